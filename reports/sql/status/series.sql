-- Per source, flow and series (tariff line, bulletin or preliminary row, HS6 code): the newest
-- month a current (loaded or released) release carries, and that release — the newest period's
-- most recently loaded vintage. Reporters: how many reporters the series holds (UN Comtrade's
-- partners report their imports from China under the same code).
WITH current_releases AS (
    SELECT release_id, load_seq, file_name, published_on, ingested_at
    FROM raw.releases
    WHERE status IN ('loaded', 'released')
),
carried AS (
    SELECT release_id, source, flow, commodity_code, reporter, max(period_end) AS period
    FROM core.observations
    GROUP BY ALL
),
held AS (
    SELECT c.*, r.load_seq, r.file_name, r.published_on, r.ingested_at
    FROM carried AS c
    JOIN current_releases AS r USING (release_id)
),
reporters AS (
    SELECT source, flow, commodity_code, count(DISTINCT reporter) AS reporters
    FROM held
    GROUP BY ALL
),
newest AS (
    SELECT *
    FROM held
    QUALIFY row_number() OVER (
        PARTITION BY source, flow, commodity_code ORDER BY period DESC, load_seq DESC
    ) = 1
)
SELECT n.source, n.flow, n.commodity_code, n.period, n.release_id, n.file_name,
       n.published_on, n.ingested_at, n.load_seq, p.reporters
FROM newest AS n
JOIN reporters AS p USING (source, flow, commodity_code)
ORDER BY n.source, n.flow, n.commodity_code
