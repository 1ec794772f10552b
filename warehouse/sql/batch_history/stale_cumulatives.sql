-- Published cumulatives in history that a month vintage loaded after them revised beyond
-- tolerance: they still hold the old figure of that month, so they can arbitrate nothing (the
-- marts call them stale and fall back to the sum of the months). Reads BatchHistory's hist;
-- which of them a later month revised is core.revised_after's rule (the view files).
WITH hist_seq AS (
    SELECT h.*, r.load_seq
    FROM hist AS h
    JOIN raw.releases AS r USING (release_id)
    WHERE h.coverage = 'full'
    -- a slice with a World row (partner WLD) is its own world figure
    QUALIFY coalesce(h.partner = 'WLD', false)
         OR NOT bool_or(coalesce(h.partner = 'WLD', false)) OVER (
                PARTITION BY h.source, h.reporter, h.flow, h.commodity_code, h.period_start,
                             h.period_end, h.basis)
),
cumulatives AS (
    SELECT source, reporter, flow, commodity_code, period_end,
           max(load_seq) AS cum_seq, sum(kg) AS cum_kg
    FROM hist_seq
    WHERE basis = 'ytd' AND month(period_start) = 1
    GROUP BY ALL
),
months AS (
    SELECT source, reporter, flow, commodity_code, period_start AS month,
           max(load_seq) AS newest_seq,
           CASE WHEN count(*) = count(kg) THEN sum(kg) END AS month_kg
    FROM hist_seq
    WHERE basis = 'month' AND period_start = period_end
    GROUP BY ALL
),
later AS (
    SELECT c.*, m.month, m.month_kg
    FROM cumulatives AS c
    JOIN months AS m
      ON m.source = c.source AND m.reporter = c.reporter AND m.flow = c.flow
     AND m.commodity_code = c.commodity_code AND year(m.month) = year(c.period_end)
     AND m.month <= c.period_end
    WHERE m.newest_seq > c.cum_seq AND m.month_kg IS NOT NULL
)
SELECT DISTINCT source, flow, commodity_code, year(period_end) AS year,
       month(period_end) AS through
FROM core.revised_after((SELECT list(l) FROM later AS l))
