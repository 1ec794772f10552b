-- marts.mirror_monthly: China's reported exports beside partners' reported imports (UN Comtrade).

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
    -- partners whose own report of the month is loaded, per line (a loaded report without a
    -- row for a line recorded no imports of it from China): a dataset of the whole watchlist
    -- (C/M/HS/<reporter>/<YYYYMM>) covers every line, one pulled for some codes
    -- (C/M/HS/<reporter>/<YYYYMM>/<hs6>, `--commodity`) its own line only; an answer of no
    -- rows for the codes asked is kept archived, with its datasets
    SELECT DISTINCT d.reporter AS partner, d.period,
           nullif(split_part(d.dataset, '/', 6), '') AS commodity_code
    FROM raw.release_datasets AS d
    JOIN raw.releases AS r USING (release_id)
    WHERE r.source = 'comtrade' AND r.status IN ('loaded', 'released', 'archived')
      AND d.reporter <> 'CN'
),
partner_reported AS (
    SELECT DISTINCT r.commodity_code, r.period, r.partner
    FROM reported AS r
    JOIN partner_datasets AS p
      ON p.partner = r.partner AND p.period = r.period
     AND (p.commodity_code IS NULL OR p.commodity_code = r.commodity_code)
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
LEFT JOIN partner_reported AS p USING (commodity_code, period, partner);

CREATE VIEW marts.mirror_monthly AS
SELECT * FROM marts.mirror_monthly_of(CAST(NULL AS VARCHAR[]));

COMMENT ON VIEW marts.mirror_monthly IS 'Mirror statistics (UN Comtrade, HS6): per line, month and partner, China''s reported exports to the partner (reporter CN, flow export) beside the partner''s reported imports from China (reporter = the partner, flow import, partner CN), for every partner China reports. mirror_* is null when the partner''s own report of the month is not loaded, 0 when it is loaded without a row for the line. Used by `customs-etl mirror`.';
COMMENT ON COLUMN marts.mirror_monthly.commodity_code IS 'HS6 code (e.g. 850511): both sides report it under the same code.';
COMMENT ON COLUMN marts.mirror_monthly.period IS 'The month, as its first day (2025-03-01 = March 2025).';
COMMENT ON COLUMN marts.mirror_monthly.partner IS 'The partner, ISO 3166 alpha-2 (or CT-nnn for a Comtrade area): China''s partner and the mirror''s reporter.';
COMMENT ON COLUMN marts.mirror_monthly.partner_label IS 'Partner name as UN Comtrade publishes it.';
COMMENT ON COLUMN marts.mirror_monthly.reported_kg IS 'China''s reported exports to the partner in kilograms (kg), net weight, exact; null when China published no weight.';
COMMENT ON COLUMN marts.mirror_monthly.reported_usd IS 'China''s reported exports to the partner in US dollars (USD), FOB.';
COMMENT ON COLUMN marts.mirror_monthly.reported_kg_estimated IS 'true when UN Comtrade flags China''s net weight (kg) as estimated.';
COMMENT ON COLUMN marts.mirror_monthly.partner_reported IS 'true when the partner''s own report of the month is loaded (mirror figures are then known, 0 when it recorded none of the line).';
COMMENT ON COLUMN marts.mirror_monthly.mirror_kg IS 'The partner''s reported imports from China in kilograms (kg), net weight, exact; null when the partner has not reported the month (or published no weight), 0 when its report has no row for the line.';
COMMENT ON COLUMN marts.mirror_monthly.mirror_usd IS 'The partner''s reported imports from China in US dollars (USD), CIF (cost, insurance and freight included); null when the partner has not reported the month.';
COMMENT ON COLUMN marts.mirror_monthly.mirror_kg_estimated IS 'true when UN Comtrade flags the partner''s net weight (kg) as estimated.';
COMMENT ON COLUMN marts.mirror_monthly.reported_release_id IS 'Vintage of China''s figure (raw.releases.release_id).';
COMMENT ON COLUMN marts.mirror_monthly.mirror_release_id IS 'Vintage of the partner''s figure (raw.releases.release_id); null when it has none.';
