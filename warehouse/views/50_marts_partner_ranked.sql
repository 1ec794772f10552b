-- marts.partner_ranked: partners with changes, rank and share.

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

CREATE VIEW marts.partner_ranked AS
SELECT * FROM marts.partner_ranked_of(CAST(NULL AS VARCHAR[]));

COMMENT ON VIEW marts.partner_ranked IS 'marts.partner_monthly with tonnes, m/m and y/y change per partner, rank among partners and share of the world total of the same source, reporter, flow, tariff line and month. Used by `customs-etl report`.';
COMMENT ON COLUMN marts.partner_ranked.source IS 'Publication: gacc_query, gacc_bulletin, comtrade or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.partner_ranked.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN marts.partner_ranked.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets), or HS6 code (comtrade).';
COMMENT ON COLUMN marts.partner_ranked.partner IS 'ISO 3166 alpha-2 partner (DE, US, ...) or GACC-nnn for GACC codes without an ISO code.';
COMMENT ON COLUMN marts.partner_ranked.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.partner_ranked.quantity_kg IS 'Quantity to this partner in kilograms (kg), exact, summed over trade modes and regions.';
COMMENT ON COLUMN marts.partner_ranked.value_usd IS 'Value in US dollars (USD, plain units); null when published in CNY only.';
COMMENT ON COLUMN marts.partner_ranked.value_cny IS 'Value in yuan (CNY, plain units); null when published in USD only.';
COMMENT ON COLUMN marts.partner_ranked.tonnes IS 'Quantity in metric tonnes: quantity_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.partner_ranked.mom_pct IS 'Month-on-month change for this partner in percent: (quantity_kg / same partner''s previous calendar month - 1) * 100, unrounded; null when the partner has no row in the previous month or it was 0.';
COMMENT ON COLUMN marts.partner_ranked.yoy_pct IS 'Year-on-year change for this partner in percent: (quantity_kg / same partner''s month a year earlier - 1) * 100, unrounded; null when the partner has no row a year earlier or it was 0.';
COMMENT ON COLUMN marts.partner_ranked.rank IS 'Rank by quantity_kg among all partners (GACC-nnn buckets included) in the same source, flow, tariff line and month: 1 = largest; ties share a rank; null quantities rank last.';
COMMENT ON COLUMN marts.partner_ranked.share_pct IS 'Share of the world total in percent: quantity_kg / marts.world_monthly.quantity_kg * 100 for the same month; null when the world total is unknown (only filtered exports) or 0.';
COMMENT ON COLUMN marts.partner_ranked.partner_label IS 'Partner name as published.';
COMMENT ON COLUMN marts.partner_ranked.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures; ranks and shares are within one reporter.';
