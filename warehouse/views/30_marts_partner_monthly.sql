-- marts.partner_monthly: per partner and month, summed over trade modes and regions; coverage
-- says whether a full release covers the month or only filtered exports (then the figure covers
-- only the cells they carry).

CREATE MACRO marts.partner_monthly_of(codes) AS TABLE
SELECT m.*, n.partner_name  -- the English name last: consumers that read by position keep theirs
FROM (
    SELECT
        series_source AS source, flow, commodity_code, partner, period_start AS period,
        CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
        CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
        CASE WHEN count(*) = count(value_cny) THEN sum(value_cny) END AS value_cny,
        max(partner_label) AS partner_label,
        reporter,
        CASE WHEN bool_and(slice_complete) THEN 'complete' ELSE 'partial' END AS coverage
    FROM core.latest_of(codes)
    WHERE basis = 'month' AND period_start = period_end
      AND partner IS NOT NULL AND partner <> 'WLD'
    GROUP BY series_source, reporter, flow, commodity_code, partner, period_start
) AS m
LEFT JOIN marts.partner_names AS n ON n.partner = m.partner;

CREATE VIEW marts.partner_monthly AS
SELECT * FROM marts.partner_monthly_of(CAST(NULL AS VARCHAR[]));

COMMENT ON VIEW marts.partner_monthly IS 'One row per source, reporter, flow, tariff line, partner and month: single-month figures (basis month) from core.latest summed over trade modes and regions. World-total rows (partner WLD) and rows without a partner key are left out; GACC-nnn buckets are kept. Partner figures from partial (filtered) releases are included.';
COMMENT ON COLUMN marts.partner_monthly.source IS 'Publication: gacc_query, gacc_bulletin, comtrade or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.partner_monthly.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN marts.partner_monthly.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets), or HS6 code (comtrade).';
COMMENT ON COLUMN marts.partner_monthly.partner IS 'ISO 3166 alpha-2 partner (DE, US, ...) or GACC-nnn for GACC codes without an ISO code.';
COMMENT ON COLUMN marts.partner_monthly.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.partner_monthly.quantity_kg IS 'Quantity in kilograms (kg), exact: sum of core.latest.quantity_kg for the partner and month; null when any of its rows has no kilograms.';
COMMENT ON COLUMN marts.partner_monthly.value_usd IS 'Value in US dollars (USD, plain units); null when any of its rows was published in CNY only.';
COMMENT ON COLUMN marts.partner_monthly.value_cny IS 'Value in yuan (CNY, plain units); null when any of its rows was published in USD only.';
COMMENT ON COLUMN marts.partner_monthly.partner_label IS 'Partner name as published.';
COMMENT ON COLUMN marts.partner_monthly.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures.';
COMMENT ON COLUMN marts.partner_monthly.coverage IS 'complete: a full release covers the month (a partner without a row traded nothing); partial: only filtered (partial) exports cover it, so the figure covers only the cells (trade modes, regions) they carry.';
COMMENT ON COLUMN marts.partner_monthly.partner_name IS 'English name of the partner (Germany for DE) from marts.partner_names, beside partner_label as the source publishes it (德国); null for a key the shipped tables do not name.';
