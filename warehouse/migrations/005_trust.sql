-- Trust in every number (issue 9):
-- * coverage: a release is 'full' (every partner and trade mode of its slices) or 'partial'
--   (a filtered export, loaded with --partial). A partial release updates only the cells it
--   carries; world totals come only from slices with a full release.
-- * exact decimals: 12 decimal places, so every number the platform writes (and every exact
--   unit conversion) is stored as published; anything finer is refused at prepare.
-- * partner_label: the partner's name as published (kept for codes the GACC table lacks).
-- * marts: "highest since" only on a rise, "lowest since" only on a fall, no percentage from a
--   zero base, combined January-February figures kept, totals null when any part is unknown.
-- Recreated views lose their comments (see 004): they are re-applied at the end of this file.

ALTER TABLE raw.releases ADD COLUMN coverage VARCHAR DEFAULT 'full';

ALTER TABLE core.observations ALTER quantity TYPE DECIMAL(38, 12);
ALTER TABLE core.observations ALTER quantity_kg TYPE DECIMAL(38, 12);
ALTER TABLE core.observations ALTER value TYPE DECIMAL(38, 12);
ALTER TABLE core.observations ALTER value_usd TYPE DECIMAL(38, 12);
ALTER TABLE core.observations ALTER value_cny TYPE DECIMAL(38, 12);
ALTER TABLE core.observations ADD COLUMN partner_label VARCHAR;

-- Current figures. Per slice (source, flow, line, period, basis) the newest FULL release is the
-- base; partial releases loaded after it replace only the cells (partner x trade mode x region)
-- they carry. A slice with partial releases only has no base: slice_complete is false, and no
-- world total is computed from it.
CREATE OR REPLACE VIEW core.latest AS
WITH vintages AS (
    SELECT o.*, r.load_seq, r.coverage
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released')
),
bases AS (
    SELECT source, flow, commodity_code, period_start, period_end, basis,
           max(load_seq) AS base_seq
    FROM vintages
    WHERE coverage = 'full'
    GROUP BY ALL
),
candidates AS (
    SELECT v.*, b.base_seq IS NOT NULL AS slice_complete
    FROM vintages AS v
    LEFT JOIN bases AS b USING (source, flow, commodity_code, period_start, period_end, basis)
    WHERE v.load_seq = b.base_seq
       OR (v.coverage = 'partial' AND v.load_seq > coalesce(b.base_seq, 0))
)
SELECT * EXCLUDE (load_seq, coverage)
FROM candidates
QUALIFY load_seq = max(load_seq) OVER (
    PARTITION BY source, flow, commodity_code, period_start, period_end, basis,
                 partner, source_partner_code, trade_mode, region_code
);

CREATE OR REPLACE VIEW marts.partner_monthly AS
SELECT
    source, flow, commodity_code, partner, period_start AS period,
    CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
    CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
    CASE WHEN count(*) = count(value_cny) THEN sum(value_cny) END AS value_cny,
    max(partner_label) AS partner_label
FROM core.latest
WHERE basis = 'month' AND period_start = period_end
  AND partner IS NOT NULL AND partner <> 'WLD'
GROUP BY source, flow, commodity_code, partner, period_start;

CREATE OR REPLACE VIEW marts.world_monthly AS
WITH single_months AS (
    SELECT
        source, flow, commodity_code, period_start AS period,
        CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
        CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
        CASE WHEN count(*) = count(value_cny) THEN sum(value_cny) END AS value_cny
    FROM core.latest
    WHERE basis = 'month' AND period_start = period_end AND slice_complete
    GROUP BY source, flow, commodity_code, period_start
),
published_ytd AS (
    SELECT
        source, flow, commodity_code, period_end AS period,
        CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS ytd_kg
    FROM core.latest
    WHERE basis = 'ytd' AND slice_complete
    GROUP BY source, flow, commodity_code, period_end
),
-- A year whose January and February are published only together: February gets a row with
-- no single-month figure, and the combined figure as its year to date.
combined_feb AS (
    SELECT
        y.source, y.flow, y.commodity_code, y.period,
        CAST(NULL AS DECIMAL(38, 12)) AS quantity_kg,
        CAST(NULL AS DECIMAL(38, 12)) AS value_usd,
        CAST(NULL AS DECIMAL(38, 12)) AS value_cny
    FROM published_ytd AS y
    WHERE month(y.period) = 2
      AND NOT EXISTS (
          SELECT 1 FROM single_months AS m
          WHERE m.source = y.source AND m.flow = y.flow
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
    LEFT JOIN published_ytd AS p USING (source, flow, commodity_code, period)
    WINDOW
        yr AS (PARTITION BY m.source, m.flow, m.commodity_code, year(m.period)),
        y AS (PARTITION BY m.source, m.flow, m.commodity_code, year(m.period)
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
        ON prev.source = c.source AND prev.flow = c.flow
       AND prev.commodity_code = c.commodity_code
       AND prev.period = c.period - INTERVAL 1 MONTH
    LEFT JOIN ytd AS ly
        ON ly.source = c.source AND ly.flow = c.flow
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
    WINDOW s AS (PARTITION BY source, flow, commodity_code ORDER BY period
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
extremes AS (
    SELECT
        r.*,
        CASE WHEN r.rose THEN (
            SELECT max(e.period) FROM moves AS e
            WHERE e.source = r.source AND e.flow = r.flow AND e.commodity_code = r.commodity_code
              AND e.period < r.period AND e.quantity_kg >= r.quantity_kg
        ) END AS highest_since,
        CASE WHEN r.fell THEN (
            SELECT max(e.period) FROM moves AS e
            WHERE e.source = r.source AND e.flow = r.flow AND e.commodity_code = r.commodity_code
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
                         PARTITION BY source, flow, commodity_code ORDER BY period
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                     min(period) OVER (PARTITION BY source, flow, commodity_code)
                         - INTERVAL 1 MONTH),
                 period)
    ELSE 0 END AS consecutive_rises,
    combined
FROM extremes;

CREATE OR REPLACE VIEW marts.partner_ranked AS
WITH base AS (
    SELECT
        p.*,
        prev.quantity_kg AS previous_month_kg,
        ly.quantity_kg AS last_year_kg
    FROM marts.partner_monthly AS p
    LEFT JOIN marts.partner_monthly AS prev
        ON prev.source = p.source AND prev.flow = p.flow
       AND prev.commodity_code = p.commodity_code AND prev.partner = p.partner
       AND prev.period = p.period - INTERVAL 1 MONTH
    LEFT JOIN marts.partner_monthly AS ly
        ON ly.source = p.source AND ly.flow = p.flow
       AND ly.commodity_code = p.commodity_code AND ly.partner = p.partner
       AND ly.period = p.period - INTERVAL 12 MONTH
)
SELECT
    b.source, b.flow, b.commodity_code, b.partner, b.period, b.quantity_kg, b.value_usd,
    b.value_cny,
    b.quantity_kg / 1000 AS tonnes,
    (b.quantity_kg / nullif(b.previous_month_kg, 0) - 1) * 100 AS mom_pct,
    (b.quantity_kg / nullif(b.last_year_kg, 0) - 1) * 100 AS yoy_pct,
    rank() OVER (PARTITION BY b.source, b.flow, b.commodity_code, b.period
                 ORDER BY b.quantity_kg DESC NULLS LAST) AS rank,
    b.quantity_kg / nullif(w.quantity_kg, 0) * 100 AS share_pct,
    b.partner_label
FROM base AS b
LEFT JOIN marts.world_monthly AS w USING (source, flow, commodity_code, period);

-- ---------------------------------------------------------------- comments

COMMENT ON COLUMN raw.releases.coverage IS 'full: the document carries every partner and trade mode of the slices it publishes (it replaces them whole). partial: a filtered export loaded with --partial; it replaces only the cells (partner x trade mode x region) it carries, and no world total is computed from partial releases alone.';
COMMENT ON COLUMN raw.releases.source IS 'How the document arrived: sample (the bundled, partly MODELED sample: never mixed with real releases), gacc_query (query-platform CSV), gacc_bulletin (monthly bulletin page over HTTP), gacc_bulletin_index (an index page, archived only).';
COMMENT ON COLUMN raw.releases.status IS 'loaded (observations in core), quarantined (failed a critical check, nothing loaded), released (quarantined, then released by an operator and loaded), dropped (discarded by an operator), archived (kept as evidence, never parsed: an index page).';
COMMENT ON COLUMN core.observations.partner_label IS 'Partner name as published (e.g. 德国); for a GACC code the project''s table does not know yet, the only name there is (partner is then GACC-nnn).';
COMMENT ON COLUMN core.observations.source IS 'Publication the number comes from: gacc_query (GACC query-platform export), gacc_bulletin (GACC monthly bulletin table) or sample (the bundled, partly MODELED demo data: a separate series, never combined with real releases).';
COMMENT ON COLUMN core.observations.partner IS 'Trading partner: ISO 3166 alpha-2 code (DE, US, ...), WLD for a world-total row, or GACC-nnn for GACC codes without an ISO code ("other"/"unknown" buckets, and codes the project''s table does not know yet; see partner_label).';

COMMENT ON VIEW core.latest IS 'Current figures, same columns as core.observations plus slice_complete. Per slice (source, flow, commodity_code, period_start, period_end, basis) the newest FULL release loaded (highest raw.releases.load_seq, status loaded or released) is the base: its rows replace earlier vintages whole. Partial releases (filtered exports loaded with --partial) loaded after the base replace only the cells (partner, trade_mode, region_code) they carry. "Latest" means last loaded, not latest publication date.';
COMMENT ON COLUMN core.latest.release_id IS 'Vintage: sha256 of the document this row comes from (raw.releases.release_id).';
COMMENT ON COLUMN core.latest.source IS 'Publication the number comes from: gacc_query, gacc_bulletin or sample (partly MODELED demo data, a separate series). Series from different sources are never combined.';
COMMENT ON COLUMN core.latest.reporter IS 'Reporting country, ISO 3166 alpha-2: always CN (China''s customs, GACC).';
COMMENT ON COLUMN core.latest.flow IS 'export or import, from China''s side: export = goods leaving China for partner.';
COMMENT ON COLUMN core.latest.commodity_code IS 'HS-based 8-digit Chinese tariff line (e.g. 85051110 rare-earth permanent magnets) for query exports; the stable row key of the bulletin table for bulletin figures.';
COMMENT ON COLUMN core.latest.commodity_label IS 'Commodity description as published (Chinese for query exports, the row label for bulletins).';
COMMENT ON COLUMN core.latest.partner IS 'Trading partner: ISO 3166 alpha-2 code (DE, US, ...), WLD for a world-total row, or GACC-nnn for GACC codes without an ISO code (see partner_label).';
COMMENT ON COLUMN core.latest.source_partner_code IS 'GACC''s own partner code as published (e.g. 304 Germany, 502 United States); null when the document has no partner breakdown.';
COMMENT ON COLUMN core.latest.trade_mode IS 'GACC customs regime code (贸易方式) when the document is split by it, e.g. 10 general trade, 14/15 processing trade, 33/34 bonded and special customs zones; null otherwise.';
COMMENT ON COLUMN core.latest.region_code IS 'GACC code of the domestic place where the trading firm is registered (注册地) when the document is split by it; null otherwise.';
COMMENT ON COLUMN core.latest.grain IS 'Breakdowns the document had: a comma list of partner, trade_mode, region (e.g. partner,trade_mode) or total. One slice holds one grain; sum over partners/trade modes to get a total.';
COMMENT ON COLUMN core.latest.period_start IS 'First day of the first month covered.';
COMMENT ON COLUMN core.latest.period_end IS 'First day of the last month covered (equal to period_start for a single month).';
COMMENT ON COLUMN core.latest.basis IS 'month: trade in the month(s) period_start..period_end (one month, or a combined January-February block). ytd: cumulative from January to period_end in one year. range: any other multi-month span. Never add month and ytd rows together.';
COMMENT ON COLUMN core.latest.quantity IS 'Quantity exactly as published, in quantity_unit (may be null when not published).';
COMMENT ON COLUMN core.latest.quantity_unit IS 'Unit of quantity as published, e.g. 千克 (kg), 吨 (tonnes), 个 (pieces), T / 10000T / N (bulletin).';
COMMENT ON COLUMN core.latest.quantity_kg IS 'Quantity in kilograms (kg), converted exactly (DECIMAL) from quantity and its unit, or from the second quantity when that is a mass; null when the line is counted in a non-mass unit or no quantity was published.';
COMMENT ON COLUMN core.latest.value IS 'Trade value as published, in currency and the document''s own scale (bulletins publish in e.g. US$1,000 or RMB 10,000 units); use value_usd / value_cny for plain units.';
COMMENT ON COLUMN core.latest.currency IS 'Currency of value: USD or CNY (as published, no conversion).';
COMMENT ON COLUMN core.latest.value_usd IS 'Trade value in US dollars (USD, plain units, scale resolved) when the document is in USD; null otherwise (no exchange-rate conversion is made).';
COMMENT ON COLUMN core.latest.value_cny IS 'Trade value in yuan (CNY, plain units, scale resolved) when the document is in CNY; null otherwise (no exchange-rate conversion is made).';
COMMENT ON COLUMN core.latest.flags IS 'Semicolon-separated notes, empty when none: quantity_missing, kg_from_second_quantity (kg taken from the second quantity column), bulletin missing-cell markers as published (field=-), ytd=month_block.';
COMMENT ON COLUMN core.latest.source_row IS 'Line of the source file (or row of the bulletin table) the number was read from.';
COMMENT ON COLUMN core.latest.partner_label IS 'Partner name as published (see core.observations.partner_label).';
COMMENT ON COLUMN core.latest.slice_complete IS 'true when the slice has a full release (its world total is known); false when only partial (filtered) releases cover it.';

COMMENT ON VIEW marts.partner_monthly IS 'One row per source, flow, tariff line, partner and month: single-month figures (basis month) from core.latest summed over trade modes and regions. World-total rows (partner WLD) and rows without a partner key are left out; GACC-nnn buckets are kept. Partner figures from partial (filtered) releases are included.';
COMMENT ON COLUMN marts.partner_monthly.source IS 'Publication: gacc_query, gacc_bulletin or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.partner_monthly.flow IS 'export or import, from China''s side.';
COMMENT ON COLUMN marts.partner_monthly.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets).';
COMMENT ON COLUMN marts.partner_monthly.partner IS 'ISO 3166 alpha-2 partner (DE, US, ...) or GACC-nnn for GACC codes without an ISO code.';
COMMENT ON COLUMN marts.partner_monthly.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.partner_monthly.quantity_kg IS 'Quantity in kilograms (kg), exact: sum of core.latest.quantity_kg for the partner and month; null when any of its rows has no kilograms.';
COMMENT ON COLUMN marts.partner_monthly.value_usd IS 'Value in US dollars (USD, plain units); null when any of its rows was published in CNY only.';
COMMENT ON COLUMN marts.partner_monthly.value_cny IS 'Value in yuan (CNY, plain units); null when any of its rows was published in USD only.';
COMMENT ON COLUMN marts.partner_monthly.partner_label IS 'Partner name as published.';

COMMENT ON VIEW marts.world_monthly IS 'The headline series: one row per source, flow, tariff line and month. World total = sum of all single-month rows of core.latest of slices with a full release (never from filtered exports alone). A year published only as a combined January-February block has a February row with quantity null, combined set and the combined figure as ytd_kg. Comparisons are to the same series: previous calendar month (m/m), same month a year earlier (y/y). Used by `customs-etl report`.';
COMMENT ON COLUMN marts.world_monthly.source IS 'Publication: gacc_query, gacc_bulletin or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.world_monthly.flow IS 'export or import, from China''s side.';
COMMENT ON COLUMN marts.world_monthly.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets), or bulletin row key.';
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

COMMENT ON VIEW marts.partner_ranked IS 'marts.partner_monthly with tonnes, m/m and y/y change per partner, rank among partners and share of the world total of the same source, flow, tariff line and month. Used by `customs-etl report`.';
COMMENT ON COLUMN marts.partner_ranked.source IS 'Publication: gacc_query, gacc_bulletin or sample (partly MODELED demo data).';
COMMENT ON COLUMN marts.partner_ranked.flow IS 'export or import, from China''s side.';
COMMENT ON COLUMN marts.partner_ranked.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets).';
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
