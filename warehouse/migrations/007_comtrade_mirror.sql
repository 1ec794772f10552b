-- UN Comtrade (issue 12): the reporter joins the slice, World rows are the world figure, mirror.
-- * The warehouse now holds figures reported by China and by its partners side by side
--   (source comtrade: China's exports as reporter CN, each partner's imports from China as
--   reporter US, DE, ...). The slice a vintage replaces is (source, reporter, flow, line,
--   period, basis): without the reporter, the United States' March release would replace
--   Germany's. Every row loaded before this migration was reported by China (reporter CN, a
--   NOT NULL column), so for them nothing changes.
-- * A slice that publishes a World row (partner WLD) alongside partner rows (Comtrade's
--   partnerCode 0) takes its world figure from that row, never from World + partners. Slices
--   without a WLD row (query exports) still add up their rows; bulletin slices hold WLD rows
--   only: both as before.
-- * raw.release_datasets: which publisher dataset (Comtrade: a reporter's month) each document
--   carries, at which version (datasetChecksum): what a revision-driven pull compares with.
-- * marts.mirror_monthly: China's reported exports to each partner beside that partner's
--   reported imports from China.
-- Recreated views lose their comments (see 004): every one is re-applied below.

CREATE TABLE raw.release_datasets (
    release_id VARCHAR NOT NULL,   -- raw.releases.release_id of the document
    dataset    VARCHAR NOT NULL,   -- publisher's dataset id, e.g. C/M/HS/842/202503
    version    VARCHAR NOT NULL,   -- its version when fetched (Comtrade datasetChecksum)
    reporter   VARCHAR,            -- reporter key of the dataset (ISO alpha-2, CT-nnn)
    period     DATE,               -- first day of the dataset's month
    PRIMARY KEY (release_id, dataset)
);
COMMENT ON TABLE raw.release_datasets IS 'Which publisher datasets each document carries and at which version (UN Comtrade: one reporter''s month, versioned by the API''s datasetChecksum). A revision-driven pull fetches a dataset again only when the API reports a version no loaded, released or dropped document carried.';

CREATE OR REPLACE VIEW core.latest AS
WITH vintages AS (
    SELECT o.*, r.load_seq, r.coverage
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released')
),
bases AS (
    SELECT source, reporter, flow, commodity_code, period_start, period_end, basis,
           max(load_seq) AS base_seq
    FROM vintages
    WHERE coverage = 'full'
    GROUP BY ALL
),
candidates AS (
    SELECT v.*, b.base_seq IS NOT NULL AS slice_complete
    FROM vintages AS v
    LEFT JOIN bases AS b
        USING (source, reporter, flow, commodity_code, period_start, period_end, basis)
    WHERE v.load_seq = b.base_seq
       OR (v.coverage = 'partial' AND v.load_seq > coalesce(b.base_seq, 0))
)
SELECT * EXCLUDE (load_seq, coverage)
FROM candidates
QUALIFY load_seq = max(load_seq) OVER (
    PARTITION BY source, reporter, flow, commodity_code, period_start, period_end, basis,
                 partner, source_partner_code, trade_mode, region_code
);

CREATE OR REPLACE VIEW core.revisions AS
WITH versions AS (
    SELECT
        o.*,
        r.load_seq,
        lag(o.release_id) OVER w AS previous_release_id,
        lag(o.quantity_kg) OVER w AS previous_quantity_kg,
        lag(o.value) OVER w AS previous_value
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released')
    WINDOW w AS (
        PARTITION BY o.source, o.reporter, o.flow, o.commodity_code, o.partner,
                     o.source_partner_code, o.trade_mode, o.region_code, o.grain,
                     o.period_start, o.period_end, o.basis
        ORDER BY r.load_seq
    )
)
SELECT
    source, flow, commodity_code, partner, trade_mode, region_code, period_start, period_end,
    basis, previous_release_id, release_id, previous_quantity_kg, quantity_kg,
    quantity_kg - previous_quantity_kg AS delta_kg, previous_value, value, reporter
FROM versions
WHERE previous_release_id IS NOT NULL
  AND (quantity_kg IS DISTINCT FROM previous_quantity_kg OR value IS DISTINCT FROM previous_value);

CREATE OR REPLACE VIEW marts.partner_monthly AS
SELECT
    source, flow, commodity_code, partner, period_start AS period,
    CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
    CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
    CASE WHEN count(*) = count(value_cny) THEN sum(value_cny) END AS value_cny,
    max(partner_label) AS partner_label,
    reporter
FROM core.latest
WHERE basis = 'month' AND period_start = period_end
  AND partner IS NOT NULL AND partner <> 'WLD'
GROUP BY source, reporter, flow, commodity_code, partner, period_start;

CREATE OR REPLACE VIEW marts.world_monthly AS
WITH world_rows AS (
    -- A slice with a World row (partner WLD) is its own world figure; otherwise every row adds.
    SELECT * FROM core.latest
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

CREATE OR REPLACE VIEW marts.partner_ranked AS
WITH base AS (
    SELECT
        p.*,
        prev.quantity_kg AS previous_month_kg,
        ly.quantity_kg AS last_year_kg
    FROM marts.partner_monthly AS p
    LEFT JOIN marts.partner_monthly AS prev
        ON prev.source = p.source AND prev.reporter = p.reporter AND prev.flow = p.flow
       AND prev.commodity_code = p.commodity_code AND prev.partner = p.partner
       AND prev.period = p.period - INTERVAL 1 MONTH
    LEFT JOIN marts.partner_monthly AS ly
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
LEFT JOIN marts.world_monthly AS w USING (source, reporter, flow, commodity_code, period);

CREATE VIEW marts.mirror_monthly AS
WITH reported AS (
    SELECT commodity_code, period_start AS period, partner,
           max(partner_label) AS partner_label,
           CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS quantity_kg,
           CASE WHEN count(*) = count(value_usd) THEN sum(value_usd) END AS value_usd,
           bool_or(coalesce(contains(flags, 'netwgt_estimated'), false)) AS kg_estimated,
           max(release_id) AS release_id
    FROM core.latest
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
    FROM core.latest
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

-- ---------------------------------------------------------------- comments

COMMENT ON VIEW core.latest IS 'Current figures, same columns as core.observations plus slice_complete. Per slice (source, reporter, flow, commodity_code, period_start, period_end, basis) the newest FULL release loaded (highest raw.releases.load_seq, status loaded or released) is the base: its rows replace earlier vintages whole. Partial releases (filtered exports loaded with --partial) loaded after the base replace only the cells (partner, trade_mode, region_code) they carry. The reporter is part of the slice: one partner''s report never replaces another''s. "Latest" means last loaded, not latest publication date.';
COMMENT ON COLUMN core.latest.release_id IS 'Vintage: sha256 of the document this row comes from (raw.releases.release_id).';
COMMENT ON COLUMN core.latest.source IS 'Publication the number comes from: gacc_query, gacc_bulletin, comtrade (UN Comtrade: China''s and its partners'' reports) or sample (partly MODELED demo data, a separate series). Series from different sources are never combined.';
COMMENT ON COLUMN core.latest.reporter IS 'Reporting country, ISO 3166 alpha-2: CN for China''s customs (GACC, and China''s reports to UN Comtrade); for source comtrade also each partner that reports its imports from China (mirror figures: US, DE, ...) or CT-nnn for a Comtrade area.';
COMMENT ON COLUMN core.latest.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN core.latest.commodity_code IS 'HS-based 8-digit Chinese tariff line (e.g. 85051110 rare-earth permanent magnets) for query exports; HS6 code (e.g. 850511) for UN Comtrade; the stable row key of the bulletin table for bulletin figures.';
COMMENT ON COLUMN core.latest.commodity_label IS 'Commodity description as published (Chinese for query exports, the row label for bulletins).';
COMMENT ON COLUMN core.latest.partner IS 'Trading partner: ISO 3166 alpha-2 code (DE, US, ...), WLD for a world-total row, GACC-nnn for GACC codes without an ISO code, or CT-nnn for a UN Comtrade area that is no country (CT-490 Other Asia, nes; CT-899 Areas, nes) (see partner_label).';
COMMENT ON COLUMN core.latest.source_partner_code IS 'The publisher''s own partner code as published: GACC''s (e.g. 304 Germany, 502 United States) or UN Comtrade''s M49-based one (e.g. 842 USA, 699 India, 0 World); null when the document has no partner breakdown.';
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
COMMENT ON COLUMN core.latest.flags IS 'Semicolon-separated notes, empty when none: quantity_missing, kg_from_second_quantity (kg taken from the second quantity column), bulletin missing-cell markers as published (field=-), ytd=month_block; UN Comtrade: netwgt_estimated and qty_estimated (the API''s estimate flags), netwgt_missing, netwgt_zero_as_missing (a weight of 0 kg published with a value: no weight).';
COMMENT ON COLUMN core.latest.source_row IS 'Line of the source file (or row of the bulletin table) the number was read from.';
COMMENT ON COLUMN core.latest.partner_label IS 'Partner name as published (see core.observations.partner_label).';
COMMENT ON COLUMN core.latest.slice_complete IS 'true when the slice has a full release (its world total is known); false when only partial (filtered) releases cover it.';

COMMENT ON VIEW core.revisions IS 'Every change of a published number between consecutive vintages (in load order) of the same key (source, reporter, flow, commodity_code, partner, source_partner_code, trade_mode, region_code, grain, period, basis): one row per changed quantity_kg or value. Unchanged numbers, first publications and numbers a later vintage dropped are not listed.';
COMMENT ON COLUMN core.revisions.source IS 'Publication: gacc_query, gacc_bulletin or comtrade (see core.observations.source).';
COMMENT ON COLUMN core.revisions.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN core.revisions.commodity_code IS 'Tariff line (e.g. 85051110), HS6 code (comtrade) or bulletin row key.';
COMMENT ON COLUMN core.revisions.partner IS 'ISO 3166 alpha-2 partner, WLD (world total) or GACC-nnn bucket.';
COMMENT ON COLUMN core.revisions.trade_mode IS 'GACC customs regime code, or null when the document is not split by it.';
COMMENT ON COLUMN core.revisions.region_code IS 'GACC registered-place code, or null when the document is not split by it.';
COMMENT ON COLUMN core.revisions.period_start IS 'First day of the first month covered.';
COMMENT ON COLUMN core.revisions.period_end IS 'First day of the last month covered.';
COMMENT ON COLUMN core.revisions.basis IS 'month, ytd (January to period_end) or range (see core.observations.basis).';
COMMENT ON COLUMN core.revisions.previous_release_id IS 'The earlier vintage (raw.releases.release_id) that published the old number.';
COMMENT ON COLUMN core.revisions.release_id IS 'The later vintage (raw.releases.release_id) that published the new number.';
COMMENT ON COLUMN core.revisions.previous_quantity_kg IS 'Quantity in kilograms (kg) in the earlier vintage.';
COMMENT ON COLUMN core.revisions.quantity_kg IS 'Quantity in kilograms (kg) in the later vintage.';
COMMENT ON COLUMN core.revisions.delta_kg IS 'Revision in kilograms (kg): quantity_kg - previous_quantity_kg (positive = revised up); null when either side is null.';
COMMENT ON COLUMN core.revisions.previous_value IS 'Value as published in the earlier vintage, in that document''s currency and scale (see core.observations.value).';
COMMENT ON COLUMN core.revisions.value IS 'Value as published in the later vintage, in that document''s currency and scale (see core.observations.value).';

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

COMMENT ON COLUMN core.revisions.reporter IS 'Reporting country (see core.latest.reporter): CN, or the partner whose own report was revised.';
COMMENT ON COLUMN marts.partner_monthly.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures.';
COMMENT ON COLUMN marts.world_monthly.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures.';
COMMENT ON COLUMN marts.partner_ranked.reporter IS 'Reporting country (see core.latest.reporter): CN for China''s figures; ranks and shares are within one reporter.';
COMMENT ON COLUMN core.observations.reporter IS 'Reporting country, ISO 3166 alpha-2: CN for China''s customs (GACC, and China''s reports to UN Comtrade); for source comtrade also each partner that reports its imports from China (mirror figures: US, DE, ...) or CT-nnn for a Comtrade area.';
COMMENT ON COLUMN core.observations.source IS 'Publication the number comes from: gacc_query (GACC query-platform export), gacc_bulletin (GACC monthly bulletin table), comtrade (UN Comtrade API: China''s reported exports and its partners'' reported imports from China) or sample (the bundled, partly MODELED demo data: a separate series, never combined with real releases).';
COMMENT ON COLUMN raw.releases.source IS 'How the document arrived: sample (the bundled, partly MODELED sample: never mixed with real releases), gacc_query (query-platform CSV), gacc_bulletin (monthly bulletin page over HTTP), comtrade (UN Comtrade API pages: a page bundle per pull, or an availability page, archived).';

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
