-- Reads that stay fast as the warehouse grows (schema 8).
--
-- 1. core.latest's rule without the per-cell window where it changes nothing. Per slice the
--    newest full vintage is the base; only a slice that a newer partial vintage patches needs
--    the newest vintage per cell (a window over eleven columns, the slowest step of every read
--    at 120 months). Every other slice is its base as it is, so the result is the same.
-- 2. Table macros taking a list of tariff lines (NULL: all) with the filter inside the first
--    scan: core.latest_of, marts.partner_monthly_of, marts.world_monthly_of,
--    marts.partner_ranked_of, marts.mirror_monthly_of. DuckDB materialises a CTE used twice
--    and cannot push a filter from outside into it, so a report on one line through the views
--    computed every line of the warehouse (9 s at 120 months × 15,000 rows). The views are
--    the macros over every line: BI tools see the same views as before, reports ask the
--    macros for their line. Comments on the views carry over (warehouse.db.migrate).

CREATE MACRO core.latest_of(codes) AS TABLE
WITH vintages AS (
    SELECT o.*, r.load_seq, r.coverage
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released')
      AND (codes IS NULL OR o.commodity_code IN (SELECT unnest(codes)))
),
bases AS (
    SELECT source, reporter, flow, commodity_code, period_start, period_end, basis,
           max(load_seq) FILTER (WHERE coverage = 'full') AS base_seq,
           max(load_seq) FILTER (WHERE coverage = 'partial') AS partial_seq
    FROM vintages
    GROUP BY ALL
),
candidates AS (
    SELECT v.*, b.base_seq IS NOT NULL AS slice_complete,
           coalesce(b.partial_seq > coalesce(b.base_seq, 0), false) AS patched
    FROM vintages AS v
    JOIN bases AS b USING (source, reporter, flow, commodity_code, period_start, period_end, basis)
    WHERE v.load_seq = b.base_seq
       OR (v.coverage = 'partial' AND v.load_seq > coalesce(b.base_seq, 0))
)
SELECT * EXCLUDE (load_seq, coverage, patched) FROM candidates WHERE NOT patched
UNION ALL
SELECT * EXCLUDE (load_seq, coverage, patched) FROM candidates WHERE patched
QUALIFY load_seq = max(load_seq) OVER (
    PARTITION BY source, reporter, flow, commodity_code, period_start, period_end, basis,
                 partner, source_partner_code, trade_mode, region_code
);

CREATE MACRO marts.partner_monthly_of(codes) AS TABLE
SELECT
    source, flow, commodity_code, partner, period_start AS period,
    CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
    CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
    CASE WHEN count(*) = count(value_cny) THEN sum(value_cny) END AS value_cny,
    max(partner_label) AS partner_label,
    reporter
FROM core.latest_of(codes)
WHERE basis = 'month' AND period_start = period_end
  AND partner IS NOT NULL AND partner <> 'WLD'
GROUP BY source, reporter, flow, commodity_code, partner, period_start;

CREATE MACRO marts.world_monthly_of(codes) AS TABLE
WITH world_rows AS (
    -- A slice with a World row (partner WLD) is its own world figure; otherwise every row adds.
    SELECT * FROM core.latest_of(codes)
    QUALIFY coalesce(partner = 'WLD', false)
         OR NOT bool_or(coalesce(partner = 'WLD', false)) OVER (
                PARTITION BY source, reporter, flow, commodity_code, period_start, period_end,
                             basis)
),
single_months AS (
    SELECT
        source, reporter, flow, commodity_code, period_start AS period,
        CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
        CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
        CASE WHEN count(*) = count(value_cny) THEN sum(value_cny) END AS value_cny
    FROM world_rows
    WHERE basis = 'month' AND period_start = period_end AND slice_complete
    GROUP BY source, reporter, flow, commodity_code, period_start
),
published_ytd AS (
    SELECT
        source, reporter, flow, commodity_code, period_end AS period,
        CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS ytd_kg
    FROM world_rows
    WHERE basis = 'ytd' AND slice_complete
    GROUP BY source, reporter, flow, commodity_code, period_end
),
-- A year whose January and February are published only together: February gets a row with
-- no single-month figure, and the combined figure as its year to date.
combined_feb AS (
    SELECT
        y.source, y.reporter, y.flow, y.commodity_code, y.period,
        CAST(NULL AS DECIMAL(38, 12)) AS quantity_kg,
        CAST(NULL AS DECIMAL(38, 12)) AS value_usd,
        CAST(NULL AS DECIMAL(38, 12)) AS value_cny
    FROM published_ytd AS y
    WHERE month(y.period) = 2
      AND NOT EXISTS (
          SELECT 1 FROM single_months AS m
          WHERE m.source = y.source AND m.reporter = y.reporter AND m.flow = y.flow
            AND m.commodity_code = y.commodity_code AND m.period = y.period
      )
),
months AS (
    SELECT *, CAST(NULL AS VARCHAR) AS combined FROM single_months
    UNION ALL
    SELECT *, strftime(period - INTERVAL 1 MONTH, '%Y-%m') || '..' || strftime(period, '%Y-%m')
    FROM combined_feb
),
with_ytd AS (
    SELECT
        m.*,
        p.ytd_kg AS published_ytd_kg,
        max(CASE WHEN m.combined IS NOT NULL THEN p.ytd_kg END) OVER yr AS combined_kg,
        count(m.quantity_kg) OVER y AS months_known,
        sum(m.quantity_kg) OVER y AS months_kg
    FROM months AS m
    LEFT JOIN published_ytd AS p USING (source, reporter, flow, commodity_code, period)
    WINDOW
        yr AS (PARTITION BY m.source, m.reporter, m.flow, m.commodity_code, year(m.period)),
        y AS (PARTITION BY m.source, m.reporter, m.flow, m.commodity_code, year(m.period)
              ORDER BY m.period ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
ytd AS (
    SELECT
        * EXCLUDE (published_ytd_kg, combined_kg, months_known, months_kg),
        coalesce(
            published_ytd_kg,
            CASE
                WHEN months_known = month(period) THEN months_kg
                WHEN combined_kg IS NOT NULL AND month(period) > 2
                     AND months_known = month(period) - 2 THEN combined_kg + months_kg
            END
        ) AS ytd_kg
    FROM with_ytd
),
compared AS (
    SELECT
        c.*,
        prev.quantity_kg AS previous_month_kg,
        ly.quantity_kg AS last_year_kg,
        ly.ytd_kg AS last_year_ytd_kg
    FROM ytd AS c
    LEFT JOIN ytd AS prev
        ON prev.source = c.source AND prev.reporter = c.reporter AND prev.flow = c.flow
       AND prev.commodity_code = c.commodity_code
       AND prev.period = c.period - INTERVAL 1 MONTH
    LEFT JOIN ytd AS ly
        ON ly.source = c.source AND ly.reporter = c.reporter AND ly.flow = c.flow
       AND ly.commodity_code = c.commodity_code
       AND ly.period = c.period - INTERVAL 12 MONTH
),
moves AS (
    SELECT
        *,
        coalesce(quantity_kg > previous_month_kg, false) AS rose,
        coalesce(quantity_kg < previous_month_kg, false) AS fell,
        count(quantity_kg) OVER s AS months_held,
        min(period) FILTER (WHERE quantity_kg IS NOT NULL) OVER s AS first_period
    FROM compared
    WINDOW s AS (PARTITION BY source, reporter, flow, commodity_code ORDER BY period
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
extremes AS (
    SELECT
        r.*,
        CASE WHEN r.rose THEN (
            SELECT max(e.period) FROM moves AS e
            WHERE e.source = r.source AND e.reporter = r.reporter AND e.flow = r.flow
              AND e.commodity_code = r.commodity_code
              AND e.period < r.period AND e.quantity_kg >= r.quantity_kg
        ) END AS highest_since,
        CASE WHEN r.fell THEN (
            SELECT max(e.period) FROM moves AS e
            WHERE e.source = r.source AND e.reporter = r.reporter AND e.flow = r.flow
              AND e.commodity_code = r.commodity_code
              AND e.period < r.period AND e.quantity_kg <= r.quantity_kg
        ) END AS lowest_since
    FROM moves AS r
)
SELECT
    source, flow, commodity_code, period, quantity_kg, value_usd, value_cny,
    quantity_kg / 1000 AS tonnes,
    previous_month_kg, last_year_kg,
    (quantity_kg / nullif(previous_month_kg, 0) - 1) * 100 AS mom_pct,
    (quantity_kg / nullif(last_year_kg, 0) - 1) * 100 AS yoy_pct,
    ytd_kg,
    ytd_kg / 1000 AS ytd_tonnes,
    last_year_ytd_kg,
    (ytd_kg / nullif(last_year_ytd_kg, 0) - 1) * 100 AS ytd_yoy_pct,
    highest_since,
    rose AND highest_since IS NULL AS record_high,
    lowest_since,
    fell AND lowest_since IS NULL AS record_low,
    months_held,
    first_period,
    CASE WHEN rose THEN
        datediff('month',
                 coalesce(
                     max(CASE WHEN NOT rose THEN period END) OVER (
                         PARTITION BY source, reporter, flow, commodity_code ORDER BY period
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                     min(period) OVER (PARTITION BY source, reporter, flow, commodity_code)
                         - INTERVAL 1 MONTH),
                 period)
    ELSE 0 END AS consecutive_rises,
    combined,
    reporter
FROM extremes;

CREATE MACRO marts.partner_ranked_of(codes) AS TABLE
WITH monthly AS (  -- computed once, joined three times
    SELECT * FROM marts.partner_monthly_of(codes)
),
base AS (
    SELECT
        p.*,
        prev.quantity_kg AS previous_month_kg,
        ly.quantity_kg AS last_year_kg
    FROM monthly AS p
    LEFT JOIN monthly AS prev
        ON prev.source = p.source AND prev.reporter = p.reporter AND prev.flow = p.flow
       AND prev.commodity_code = p.commodity_code AND prev.partner = p.partner
       AND prev.period = p.period - INTERVAL 1 MONTH
    LEFT JOIN monthly AS ly
        ON ly.source = p.source AND ly.reporter = p.reporter AND ly.flow = p.flow
       AND ly.commodity_code = p.commodity_code AND ly.partner = p.partner
       AND ly.period = p.period - INTERVAL 12 MONTH
)
SELECT
    b.source, b.flow, b.commodity_code, b.partner, b.period, b.quantity_kg, b.value_usd,
    b.value_cny,
    b.quantity_kg / 1000 AS tonnes,
    (b.quantity_kg / nullif(b.previous_month_kg, 0) - 1) * 100 AS mom_pct,
    (b.quantity_kg / nullif(b.last_year_kg, 0) - 1) * 100 AS yoy_pct,
    rank() OVER (PARTITION BY b.source, b.reporter, b.flow, b.commodity_code, b.period
                 ORDER BY b.quantity_kg DESC NULLS LAST) AS rank,
    b.quantity_kg / nullif(w.quantity_kg, 0) * 100 AS share_pct,
    b.partner_label,
    b.reporter
FROM base AS b
LEFT JOIN marts.world_monthly_of(codes) AS w USING (source, reporter, flow, commodity_code, period);

CREATE MACRO marts.mirror_monthly_of(codes) AS TABLE
WITH reported AS (
    SELECT commodity_code, period_start AS period, partner,
           max(partner_label) AS partner_label,
           CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
           CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
           bool_or(coalesce(contains(flags, 'netwgt_estimated'), false)) AS kg_estimated,
           max(release_id) AS release_id
    FROM core.latest_of(codes)
    WHERE source = 'comtrade' AND reporter = 'CN' AND flow = 'export' AND basis = 'month'
      AND period_start = period_end AND partner IS NOT NULL AND partner <> 'WLD'
    GROUP BY commodity_code, period_start, partner
),
mirrored AS (
    SELECT commodity_code, period_start AS period, reporter AS partner,
           CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
           CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
           bool_or(coalesce(contains(flags, 'netwgt_estimated'), false)) AS kg_estimated,
           max(release_id) AS release_id
    FROM core.latest_of(codes)
    WHERE source = 'comtrade' AND flow = 'import' AND partner = 'CN' AND reporter <> 'CN'
      AND basis = 'month' AND period_start = period_end
    GROUP BY commodity_code, period_start, reporter
),
partner_datasets AS (
    -- partners whose own report of the month is loaded (any commodity: a loaded report
    -- without a row for a line recorded no imports of it from China)
    SELECT DISTINCT d.reporter AS partner, d.period
    FROM raw.release_datasets AS d
    JOIN raw.releases AS r USING (release_id)
    WHERE r.source = 'comtrade' AND r.status IN ('loaded', 'released') AND d.reporter <> 'CN'
)
SELECT
    r.commodity_code, r.period, r.partner, r.partner_label,
    r.quantity_kg AS reported_kg,
    r.value_usd AS reported_usd,
    r.kg_estimated AS reported_kg_estimated,
    m.partner IS NOT NULL OR p.partner IS NOT NULL AS partner_reported,
    CASE WHEN m.partner IS NOT NULL THEN m.quantity_kg
         WHEN p.partner IS NOT NULL THEN CAST(0 AS DECIMAL(38, 12)) END AS mirror_kg,
    CASE WHEN m.partner IS NOT NULL THEN m.value_usd
         WHEN p.partner IS NOT NULL THEN CAST(0 AS DECIMAL(38, 12)) END AS mirror_usd,
    coalesce(m.kg_estimated, false) AS mirror_kg_estimated,
    r.release_id AS reported_release_id,
    m.release_id AS mirror_release_id
FROM reported AS r
LEFT JOIN mirrored AS m USING (commodity_code, period, partner)
LEFT JOIN partner_datasets AS p USING (partner, period);

CREATE OR REPLACE VIEW core.latest AS SELECT * FROM core.latest_of(CAST(NULL AS VARCHAR[]));
CREATE OR REPLACE VIEW marts.partner_monthly AS
SELECT * FROM marts.partner_monthly_of(CAST(NULL AS VARCHAR[]));
CREATE OR REPLACE VIEW marts.world_monthly AS
SELECT * FROM marts.world_monthly_of(CAST(NULL AS VARCHAR[]));
CREATE OR REPLACE VIEW marts.partner_ranked AS
SELECT * FROM marts.partner_ranked_of(CAST(NULL AS VARCHAR[]));
CREATE OR REPLACE VIEW marts.mirror_monthly AS
SELECT * FROM marts.mirror_monthly_of(CAST(NULL AS VARCHAR[]));
