-- History as vintage 0: core.latest for the batch's series, flows, lines and years only,
-- filtered in the first scan (a slice's vintages share its period, so the filter keeps whole
-- slices; through core.latest_of every year of the lines was aggregated first, and the memory
-- that took grew with the warehouse). The months of the twelve before the batch's first come
-- too: a new month is compared with the latest complete one before it
-- (full_export_coverage.sql). Parameters: $current (statuses), $sources (series), $flows,
-- $codes, $first and $after (period_end in [$first, $after)).
CREATE OR REPLACE TEMP TABLE hist AS
WITH history_vintages AS (
    SELECT '' AS doc, o.release_id, o.grain, CAST(o.quantity_kg AS DOUBLE) AS kg,
           core.series_source(o.source) AS source, o.reporter, o.flow, o.commodity_code,
           o.period_start, o.period_end, o.basis,
           o.partner, o.source_partner_code, o.trade_mode, o.region_code,
           r.load_seq AS seq, r.coverage, core.source_rank(o.source) AS verified
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN $current AND core.series_source(o.source) IN $sources
      AND o.flow IN $flows AND o.commodity_code IN $codes
      AND o.period_end >= $first AND o.period_end < $after
      AND ((core.series_source(o.source), o.flow, o.commodity_code, year(o.period_end)) IN (
               SELECT DISTINCT (source, flow, commodity_code, year(period_end)) FROM batch_obs)
           OR (o.basis = 'month' AND o.period_start = o.period_end
               AND (core.series_source(o.source), o.flow, o.commodity_code) IN (
                   SELECT DISTINCT (source, flow, commodity_code) FROM batch_obs)))
)
SELECT release_id, CAST(0 AS BIGINT) AS seq,
       CASE WHEN slice_complete THEN 'full' ELSE 'partial' END AS coverage,
       kg, grain, source, reporter, flow, commodity_code, period_start, period_end, basis,
       partner, source_partner_code, trade_mode, region_code, verified
FROM state_of('history_vintages');
