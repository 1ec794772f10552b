-- marts.series_partners_of(codes, grouped): each partner of a series (one line, or the lines
-- asked for summed like for like) with its m/m, y/y, rank and share, decided from coverage:
-- * the month's complete lines carry the partner figures (a partner without a row in a
--   complete line traded nothing); a month only filtered exports cover lists their partners
--   with coverage 'partial' and no claims (its cells are not a partner's whole trade);
-- * m/m and y/y over the lines complete in both months, NULL from a zero base;
-- * rank only when every partner's figure of the month is known (an unknown one could rank
--   anywhere); share only when the month's world total is known.
-- What keeps a claim from being made is in marts.series_months_of's caveats.

CREATE MACRO marts.series_partners_in(members) AS TABLE
WITH lm AS MATERIALIZED (
    SELECT * FROM marts.series_lines_in(members)
),
pm AS MATERIALIZED (
    SELECT p.*, m.series
    FROM marts.partner_monthly_of(marts.member_codes(members)) AS p
    JOIN (SELECT DISTINCT source, reporter, flow, series, commodity_code FROM lm) AS m
      USING (source, reporter, flow, commodity_code)
),
names AS (
    SELECT source, reporter, flow, series,
           string_agg(DISTINCT commodity_code, '+' ORDER BY commodity_code) AS series_code
    FROM lm GROUP BY ALL
),
month_lines AS MATERIALIZED (
    -- The lines a month's partner figures add up: its complete lines, else its partial ones.
    SELECT * FROM lm
    WHERE coverage IN ('complete', 'partial')
    QUALIFY coverage = 'complete' OR NOT bool_or(coverage = 'complete') OVER (
        PARTITION BY source, reporter, flow, series, period)
),
world AS (
    SELECT source, reporter, flow, series, period,
           CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS world_kg
    FROM month_lines GROUP BY ALL
),
partners_now AS MATERIALIZED (
    SELECT
        l.source, l.reporter, l.flow, l.series, l.period, p.partner,
        CASE WHEN count(*) = count(p.quantity_kg) THEN sum(p.quantity_kg) END AS quantity_kg,
        CASE WHEN count(*) = count(p.value_usd) THEN sum(p.value_usd) END AS value_usd,
        CASE WHEN count(*) = count(p.value_cny) THEN sum(p.value_cny) END AS value_cny,
        max(p.partner_label) AS partner_label,
        min(l.coverage) AS coverage
    FROM month_lines AS l
    JOIN pm AS p USING (source, reporter, flow, series, commodity_code, period)
    GROUP BY l.source, l.reporter, l.flow, l.series, l.period, p.partner
),
changes AS (
    -- Like for like: over the lines complete in both months; a partner without a row in a
    -- complete month of a line traded nothing there.
    SELECT
        n.source, n.reporter, n.flow, n.series, n.period, n.partner, x.lag_months,
        count(*) AS n_lines,
        bool_and(a.partner IS NULL OR a.quantity_kg IS NOT NULL)
            AND bool_and(z.partner IS NULL OR z.quantity_kg IS NOT NULL) AS known,
        sum(coalesce(a.quantity_kg, 0)) AS now_kg,
        sum(coalesce(z.quantity_kg, 0)) AS base_kg
    FROM partners_now AS n
    CROSS JOIN (VALUES (1), (12)) AS x(lag_months)
    JOIN month_lines AS l
      ON l.source = n.source AND l.reporter = n.reporter AND l.flow = n.flow
     AND l.series = n.series AND l.period = n.period AND l.coverage = 'complete'
    JOIN lm AS b
      ON b.source = l.source AND b.reporter = l.reporter AND b.flow = l.flow
     AND b.series = l.series AND b.commodity_code = l.commodity_code
     AND b.period = l.period - to_months(x.lag_months) AND b.coverage = 'complete'
    LEFT JOIN pm AS a
      ON a.source = l.source AND a.reporter = l.reporter AND a.flow = l.flow
     AND a.series = l.series AND a.commodity_code = l.commodity_code AND a.period = l.period
     AND a.partner = n.partner
    LEFT JOIN pm AS z
      ON z.source = l.source AND z.reporter = l.reporter AND z.flow = l.flow
     AND z.series = l.series AND z.commodity_code = l.commodity_code AND z.period = b.period
     AND z.partner = n.partner
    GROUP BY ALL
),
ranked AS (
    SELECT n.*, w.world_kg,
        CASE WHEN n.coverage = 'complete' AND bool_and(n.quantity_kg IS NOT NULL) OVER m
             THEN rank() OVER (PARTITION BY n.source, n.reporter, n.flow, n.series, n.period
                               ORDER BY n.quantity_kg DESC) END AS rank
    FROM partners_now AS n
    JOIN world AS w USING (source, reporter, flow, series, period)
    WINDOW m AS (PARTITION BY n.source, n.reporter, n.flow, n.series, n.period)
)
SELECT
    r.source, r.flow, names.series_code AS commodity_code, r.partner, r.period,
    r.quantity_kg, r.value_usd, r.value_cny,
    CAST(r.quantity_kg AS DOUBLE) / 1000 AS tonnes,
    CASE WHEN r.coverage = 'complete' AND m.known AND m.base_kg > 0
         THEN (m.now_kg / m.base_kg - 1) * 100 END AS mom_pct,
    CASE WHEN r.coverage = 'complete' AND y.known AND y.base_kg > 0
         THEN (y.now_kg / y.base_kg - 1) * 100 END AS yoy_pct,
    r.rank,
    CASE WHEN r.coverage = 'complete'
         THEN r.quantity_kg / nullif(r.world_kg, 0) * 100 END AS share_pct,
    r.partner_label, r.reporter, r.coverage, pn.partner_name, r.series
FROM ranked AS r
JOIN names USING (source, reporter, flow, series)
LEFT JOIN marts.partner_names AS pn ON pn.partner = r.partner
LEFT JOIN changes AS m
  ON m.source = r.source AND m.reporter = r.reporter AND m.flow = r.flow
 AND m.series = r.series AND m.period = r.period AND m.partner = r.partner AND m.lag_months = 1
LEFT JOIN changes AS y
  ON y.source = r.source AND y.reporter = r.reporter AND y.flow = r.flow
 AND y.series = r.series AND y.period = r.period AND y.partner = r.partner AND y.lag_months = 12;

CREATE MACRO marts.series_partners_of(codes, grouped) AS TABLE
SELECT * EXCLUDE (series) FROM marts.series_partners_in(marts.members_of(codes, grouped));

-- One series per line, as BI tools and exports see it.
CREATE MACRO marts.partner_ranked_of(codes) AS TABLE
SELECT * FROM marts.series_partners_of(codes, false);

CREATE VIEW marts.partner_ranked AS
SELECT * FROM marts.partner_ranked_of(CAST(NULL AS VARCHAR[]));

COMMENT ON VIEW marts.partner_ranked IS 'Each partner of each line and month with tonnes, m/m and y/y change, rank among partners and share of the world total, each made only when the months it rests on are complete (marts.series_partners_of). Used by `customs-etl report`.';
COMMENT ON COLUMN marts.partner_ranked.source IS 'Publication: gacc_query, gacc_bulletin, comtrade or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.partner_ranked.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN marts.partner_ranked.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets), or HS6 code (comtrade).';
COMMENT ON COLUMN marts.partner_ranked.partner IS 'ISO 3166 alpha-2 partner (DE, US, ...) or GACC-nnn for GACC codes without an ISO code.';
COMMENT ON COLUMN marts.partner_ranked.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.partner_ranked.quantity_kg IS 'Quantity to this partner in kilograms (kg), exact, summed over trade modes and regions.';
COMMENT ON COLUMN marts.partner_ranked.value_usd IS 'Value in US dollars (USD, plain units); null when published in CNY only.';
COMMENT ON COLUMN marts.partner_ranked.value_cny IS 'Value in yuan (CNY, plain units); null when published in USD only.';
COMMENT ON COLUMN marts.partner_ranked.tonnes IS 'Quantity in metric tonnes: quantity_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.partner_ranked.mom_pct IS 'Month-on-month change for this partner in percent, unrounded, over the lines complete in both months (a partner without a row in a complete month traded nothing); null unless the month and the previous one are complete, and from a zero base.';
COMMENT ON COLUMN marts.partner_ranked.yoy_pct IS 'Year-on-year change for this partner in percent, unrounded, against the same month a year earlier; null unless both months are complete, and from a zero base.';
COMMENT ON COLUMN marts.partner_ranked.rank IS 'Rank by quantity_kg among all partners (GACC-nnn buckets included) of the same source, reporter, flow, line and month: 1 = largest, ties share a rank; null when the month is partial or any partner''s figure of the month is unknown (it could rank anywhere).';
COMMENT ON COLUMN marts.partner_ranked.share_pct IS 'Share of the world total in percent: quantity_kg / the month''s world total * 100; null when the month is partial, the world total is unknown or 0.';
COMMENT ON COLUMN marts.partner_ranked.partner_label IS 'Partner name as published.';
COMMENT ON COLUMN marts.partner_ranked.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures; ranks and shares are within one reporter.';
COMMENT ON COLUMN marts.partner_ranked.coverage IS 'complete: a full release covers the month; partial: only filtered exports cover it, so the figure covers only the cells they carry and no claim (rank, share, m/m, y/y) is made.';
COMMENT ON COLUMN marts.partner_ranked.partner_name IS 'English name of the partner (Germany for DE) from marts.partner_names, beside partner_label as the source publishes it (德国); null for a key the shipped tables do not name.';
