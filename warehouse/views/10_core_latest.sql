-- core.latest: the current figures. Per slice (series, reporter, flow, line, period, basis) the
-- most verified full vintage is the base — within a series the bulletin over the preliminary
-- release (core.source_rank), then the newest; partial (filtered) vintages loaded after it
-- replace only the cells (partner x trade mode x region) they carry. A series is a
-- publication's own, or the one whose early vintages it prints (core.series_source: the
-- preliminary release's figures belong to the bulletin's series); `source` stays the
-- publication of the vintage. Only a slice that a newer partial vintage patches needs the
-- per-cell window; every other slice is its base as it is. A table macro over a list of lines
-- (NULL: all) filters in its first scan; the view is the macro over every line.

CREATE MACRO core.latest_of(codes) AS TABLE
WITH vintages AS (
    SELECT o.*, r.load_seq, r.coverage, core.series_source(o.source) AS series_source,
           core.source_rank(o.source) AS verified
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released')
      AND (codes IS NULL OR o.commodity_code IN (SELECT unnest(codes)))
),
bases AS (
    SELECT series_source, reporter, flow, commodity_code, period_start, period_end, basis,
           arg_max(load_seq, (verified, load_seq)) FILTER (WHERE coverage = 'full') AS base_seq,
           max(load_seq) FILTER (WHERE coverage = 'partial') AS partial_seq
    FROM vintages
    GROUP BY ALL
),
candidates AS (
    SELECT v.*, b.base_seq IS NOT NULL AS slice_complete,
           coalesce(b.partial_seq > coalesce(b.base_seq, 0), false) AS patched
    FROM vintages AS v
    JOIN bases AS b
      USING (series_source, reporter, flow, commodity_code, period_start, period_end, basis)
    WHERE v.load_seq = b.base_seq
       OR (v.coverage = 'partial' AND v.load_seq > coalesce(b.base_seq, 0))
)
SELECT * EXCLUDE (coverage, patched, verified) FROM candidates WHERE NOT patched
UNION ALL
SELECT * EXCLUDE (coverage, patched, verified) FROM candidates WHERE patched
QUALIFY load_seq = max(load_seq) OVER (
    PARTITION BY series_source, reporter, flow, commodity_code, period_start, period_end, basis,
                 partner, source_partner_code, trade_mode, region_code
);

CREATE VIEW core.latest AS SELECT * FROM core.latest_of(CAST(NULL AS VARCHAR[]));

COMMENT ON VIEW core.latest IS 'Current figures, same columns as core.observations plus load_seq, series_source and slice_complete. Per slice (series_source, reporter, flow, commodity_code, period_start, period_end, basis) the most verified FULL release loaded is the base — within a series GACC''s monthly bulletin over its preliminary release, then the newest (highest raw.releases.load_seq, status loaded or released): its rows replace earlier vintages whole. Partial releases (filtered exports loaded with --partial) loaded after the base replace only the cells (partner, trade_mode, region_code) they carry. The reporter is part of the slice: one partner''s report never replaces another''s. "Latest" means last loaded, not latest publication date.';
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
COMMENT ON COLUMN core.latest.load_seq IS 'raw.releases.load_seq of the vintage this row comes from: later loads have higher numbers (what "newer" means for staleness and revisions).';
COMMENT ON COLUMN core.latest.series_source IS 'The series the figure belongs to: its publication''s own, or the one whose early vintages the publication prints (gacc_preliminary figures belong to the gacc_bulletin series: the same rows, first published about ten days before the bulletin).';
COMMENT ON COLUMN core.latest.slice_complete IS 'true when the slice has a full release (its world total is known); false when only partial (filtered) releases cover it.';

-- Cumulatives a later month vintage revised: of `later`, a list of rows each naming a published
-- January-to-month cumulative and a month of its span whose current figure was loaded after it
-- (fields source — the series —, reporter, flow, commodity_code, month, month_kg, cum_seq (the
-- cumulative's load), cum_kg, and whatever else the caller carries), the rows whose month now
-- differs, beyond the cumulative's tolerance, from the month's world total as the cumulative saw
-- it: core.latest's rule over the vintages loaded before it (a slice with a World row takes that
-- row; no full release yet, or a row without kilograms: nothing to compare, not revised).
-- Set-based: callers pass every such (rare) row at once, and an empty list costs nothing (a
-- correlated call per row made DuckDB scan every observation).
CREATE MACRO core.revised_after(later) AS TABLE
WITH asked AS MATERIALIZED (
    SELECT DISTINCT * FROM (SELECT unnest(later, recursive := true))
),
pairs AS (
    SELECT DISTINCT source, reporter, flow, commodity_code, month, cum_seq FROM asked
),
vintages AS (
    SELECT p.*, o.partner, o.source_partner_code, o.trade_mode, o.region_code, o.quantity_kg,
           r.load_seq, r.coverage, core.source_rank(o.source) AS verified
    FROM pairs AS p
    JOIN core.observations AS o
      ON o.commodity_code = p.commodity_code AND o.reporter = p.reporter AND o.flow = p.flow
     AND core.series_source(o.source) = p.source AND o.basis = 'month'
     AND o.period_start = p.month AND o.period_end = p.month
    JOIN raw.releases AS r
      ON r.release_id = o.release_id AND r.status IN ('loaded', 'released')
     AND r.load_seq < p.cum_seq
),
bases AS (
    SELECT source, reporter, flow, commodity_code, month, cum_seq,
           arg_max(load_seq, (verified, load_seq)) FILTER (WHERE coverage = 'full') AS base_seq
    FROM vintages GROUP BY ALL
),
cells AS (
    SELECT v.* FROM vintages AS v
    JOIN bases AS b USING (source, reporter, flow, commodity_code, month, cum_seq)
    WHERE v.load_seq = b.base_seq OR (v.coverage = 'partial' AND v.load_seq > b.base_seq)
    QUALIFY v.load_seq = max(v.load_seq) OVER (
        PARTITION BY v.source, v.reporter, v.flow, v.commodity_code, v.month, v.cum_seq,
                     v.partner, v.source_partner_code, v.trade_mode, v.region_code)
),
world_rows AS (
    SELECT * FROM cells
    QUALIFY coalesce(partner = 'WLD', false) OR NOT bool_or(coalesce(partner = 'WLD', false))
        OVER (PARTITION BY source, reporter, flow, commodity_code, month, cum_seq)
),
seen AS (
    SELECT source, reporter, flow, commodity_code, month, cum_seq,
           CASE WHEN count(*) = count(quantity_kg) THEN sum(quantity_kg) END AS world_kg
    FROM world_rows GROUP BY ALL
)
SELECT a.* FROM asked AS a
JOIN seen AS s USING (source, reporter, flow, commodity_code, month, cum_seq)
WHERE abs(a.month_kg - s.world_kg) > core.ytd_tolerance_kg(a.cum_kg);
