-- marts.world_monthly: the headline series.

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

CREATE VIEW marts.world_monthly AS
SELECT * FROM marts.world_monthly_of(CAST(NULL AS VARCHAR[]));

COMMENT ON VIEW marts.world_monthly IS 'The headline series: one row per source, reporter, flow, tariff line and month. World total = the World row (partner WLD) where the slice publishes one (UN Comtrade), else the sum of all single-month rows of core.latest of slices with a full release (never from filtered exports alone). A year published only as a combined January-February block has a February row with quantity null, combined set and the combined figure as ytd_kg. Comparisons are to the same series: previous calendar month (m/m), same month a year earlier (y/y). Used by `customs-etl report`.';
COMMENT ON COLUMN marts.world_monthly.source IS 'Publication: gacc_query, gacc_bulletin, comtrade or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.world_monthly.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN marts.world_monthly.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets), HS6 code (comtrade), or bulletin row key.';
COMMENT ON COLUMN marts.world_monthly.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.world_monthly.quantity_kg IS 'World total quantity in kilograms (kg), exact DECIMAL; null when any row of the month has no kilograms, and for a combined January-February block.';
COMMENT ON COLUMN marts.world_monthly.value_usd IS 'World total value in US dollars (USD, plain units); null when any row was published in CNY only.';
COMMENT ON COLUMN marts.world_monthly.value_cny IS 'World total value in yuan (CNY, plain units); null when any row was published in USD only.';
COMMENT ON COLUMN marts.world_monthly.tonnes IS 'World total in metric tonnes: quantity_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.world_monthly.previous_month_kg IS 'quantity_kg of the previous calendar month in kilograms (kg); null when that month is not in the warehouse.';
COMMENT ON COLUMN marts.world_monthly.last_year_kg IS 'quantity_kg of the same month one year earlier in kilograms (kg); null when that month is not in the warehouse.';
COMMENT ON COLUMN marts.world_monthly.mom_pct IS 'Month-on-month change in percent: (quantity_kg / previous_month_kg - 1) * 100, unrounded; null without a previous month or when it was 0 (no percentage from a zero base).';
COMMENT ON COLUMN marts.world_monthly.yoy_pct IS 'Year-on-year change in percent: (quantity_kg / last_year_kg - 1) * 100, unrounded; null without the same month last year or when it was 0.';
COMMENT ON COLUMN marts.world_monthly.ytd_kg IS 'Year to date in kilograms (kg), January through this month: the published cumulative (basis ytd ending this month) when there is one, else the sum of this year''s monthly totals (a combined January-February figure standing in for the two months) when every month is known; null otherwise.';
COMMENT ON COLUMN marts.world_monthly.ytd_tonnes IS 'Year to date in metric tonnes: ytd_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.world_monthly.last_year_ytd_kg IS 'ytd_kg of the same month one year earlier in kilograms (kg); null when that month is not in the warehouse.';
COMMENT ON COLUMN marts.world_monthly.ytd_yoy_pct IS 'Year-to-date change on a year earlier in percent: (ytd_kg / last_year_ytd_kg - 1) * 100, unrounded; null when either is missing or the base is 0.';
COMMENT ON COLUMN marts.world_monthly.highest_since IS 'Only when the month rose m/m: first day of the latest earlier month of this series with a total at least as high; null when it did not rise, or when no earlier month was as high (then record_high).';
COMMENT ON COLUMN marts.world_monthly.record_high IS 'true when the month rose m/m and no earlier month held in the warehouse was as high (a record as far as the data goes back: months_held since first_period).';
COMMENT ON COLUMN marts.world_monthly.lowest_since IS 'Only when the month fell m/m: first day of the latest earlier month of this series with a total at most as high; null when it did not fall, or when no earlier month was as low (then record_low).';
COMMENT ON COLUMN marts.world_monthly.record_low IS 'true when the month fell m/m and no earlier month held in the warehouse was as low.';
COMMENT ON COLUMN marts.world_monthly.months_held IS 'Months of this series with a total in the warehouse up to and including this one (what "record" is measured against).';
COMMENT ON COLUMN marts.world_monthly.first_period IS 'First day of the first month of this series with a total in the warehouse.';
COMMENT ON COLUMN marts.world_monthly.consecutive_rises IS 'Number of month-on-month rises in a row ending at this month (calendar months; a missing previous month breaks the run); 0 when this month is not higher than the previous one.';
COMMENT ON COLUMN marts.world_monthly.combined IS 'YYYY-01..YYYY-02 on the February row of a year published only as a combined January-February block (quantity_kg is then null); null otherwise.';
COMMENT ON COLUMN marts.world_monthly.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures.';
