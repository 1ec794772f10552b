-- Data dictionary: a comment on every table, view and column analysts query (raw, core, marts),
-- stored in the warehouse catalogue (duckdb_tables / duckdb_views / duckdb_columns) and printed
-- by `customs-etl schema`.
--
-- Rules for later migrations (checked by tests/test_dictionary.py, which fails on any core or
-- marts table, view or column without a comment):
-- * DuckDB (2.0) DROPS the comments of a view and of all its columns on CREATE OR REPLACE VIEW
--   (and on DROP + CREATE). A migration that recreates a view must re-apply that view's
--   COMMENT ON VIEW / COMMENT ON COLUMN statements (copy them from here, updated).
-- * ALTER TABLE ... ADD COLUMN keeps the table's comments; the new column needs its own.
-- * Never edit this file once applied (its checksum is recorded): add a new migration.
--
-- Units everywhere: *_kg kilograms, tonnes = kg / 1000 (metric tonnes), value_usd US dollars,
-- value_cny yuan (plain units, no thousands), *_pct percent (75.0 means +75 %).

-- ---------------------------------------------------------------- raw

COMMENT ON TABLE raw.releases IS 'One row per source document ever received (loaded or not): the exact bytes, where they came from and what became of them. core.observations.release_id points here.';
COMMENT ON COLUMN raw.releases.release_id IS 'sha256 (hex) of the document bytes: its content address; the same bytes twice are one release.';
COMMENT ON COLUMN raw.releases.load_seq IS 'Order in which documents reached the warehouse (1, 2, ...). core.latest takes the highest load_seq per slice as the newest vintage.';
COMMENT ON COLUMN raw.releases.source IS 'How the document arrived: sample (bundled sample), gacc_query (query-platform CSV dropped in the landing folder), gacc_bulletin (monthly bulletin page over HTTP).';
COMMENT ON COLUMN raw.releases.file_name IS 'File name of the document as received (query exports carry flow, tariff line and months in it).';
COMMENT ON COLUMN raw.releases.url IS 'Where it was fetched from, secrets redacted; null for local files.';
COMMENT ON COLUMN raw.releases.content IS 'The document bytes exactly as received (kept even when quarantined).';
COMMENT ON COLUMN raw.releases.size_bytes IS 'Length of content in bytes.';
COMMENT ON COLUMN raw.releases.fetched_at IS 'When the bytes were fetched or picked up (UTC, no time zone).';
COMMENT ON COLUMN raw.releases.published_on IS 'Publication date when the publisher states one; null otherwise.';
COMMENT ON COLUMN raw.releases.ingested_at IS 'When this row was written to the warehouse (UTC, no time zone).';
COMMENT ON COLUMN raw.releases.parser_version IS 'Version of the parsing code that read the document.';
COMMENT ON COLUMN raw.releases.flow IS 'export or import, from China''s side, as known when the document was received.';
COMMENT ON COLUMN raw.releases.commodity_code IS 'Tariff line the document covers when it covers one (e.g. 85051110); null for multi-commodity bulletin tables.';
COMMENT ON COLUMN raw.releases.period_start IS 'First day of the first month the document covers.';
COMMENT ON COLUMN raw.releases.period_end IS 'First day of the last month the document covers.';
COMMENT ON COLUMN raw.releases.status IS 'loaded (observations in core), quarantined (failed a critical check, nothing loaded), released (quarantined, then released by an operator and loaded), dropped (discarded by an operator).';
COMMENT ON COLUMN raw.releases.row_count IS 'Observations the document produced (loaded rows for loaded documents).';
COMMENT ON COLUMN raw.releases.message IS 'One line: why the document was quarantined; null when loaded.';
COMMENT ON COLUMN raw.releases.validation_report IS 'JSON report of the Great Expectations suites run on the document (release and history checks, failing rows).';

-- ---------------------------------------------------------------- core.observations

COMMENT ON TABLE core.observations IS 'One row = one published number of one document vintage (release_id). Every vintage is kept, so the same figure appears once per release that published it: for current figures query core.latest. Never sum rows of different grain or basis.';
COMMENT ON COLUMN core.observations.release_id IS 'Vintage: sha256 of the source document (raw.releases.release_id).';
COMMENT ON COLUMN core.observations.source IS 'Publication the number comes from: gacc_query (GACC query-platform export, also used by the bundled sample) or gacc_bulletin (GACC monthly bulletin table). Series from different sources are never combined.';
COMMENT ON COLUMN core.observations.reporter IS 'Reporting country, ISO 3166 alpha-2: always CN (China''s customs, GACC).';
COMMENT ON COLUMN core.observations.flow IS 'export or import, from China''s side: export = goods leaving China for partner.';
COMMENT ON COLUMN core.observations.commodity_code IS 'HS-based 8-digit Chinese tariff line (e.g. 85051110 rare-earth permanent magnets) for query exports; the stable row key of the bulletin table for bulletin figures.';
COMMENT ON COLUMN core.observations.commodity_label IS 'Commodity description as published (Chinese for query exports, the row label for bulletins).';
COMMENT ON COLUMN core.observations.partner IS 'Trading partner: ISO 3166 alpha-2 code (DE, US, ...), WLD for a world-total row, or GACC-nnn for GACC''s "other"/"unknown" buckets that have no ISO code (e.g. GACC-199 other Asia).';
COMMENT ON COLUMN core.observations.source_partner_code IS 'GACC''s own partner code as published (e.g. 304 Germany, 502 United States); null when the document has no partner breakdown.';
COMMENT ON COLUMN core.observations.trade_mode IS 'GACC customs regime code (贸易方式) when the document is split by it, e.g. 10 general trade, 14/15 processing trade, 33/34 bonded and special customs zones; null otherwise.';
COMMENT ON COLUMN core.observations.region_code IS 'GACC code of the domestic place where the trading firm is registered (注册地) when the document is split by it; null otherwise.';
COMMENT ON COLUMN core.observations.grain IS 'Breakdowns the document had: a comma list of partner, trade_mode, region (e.g. partner,trade_mode) or total. Rows of different grains count the same trade twice: never add them up.';
COMMENT ON COLUMN core.observations.period_start IS 'First day of the first month covered.';
COMMENT ON COLUMN core.observations.period_end IS 'First day of the last month covered (equal to period_start for a single month).';
COMMENT ON COLUMN core.observations.basis IS 'month: trade in the single month period_start (= period_end). ytd: cumulative from January to period_end in one year (a combined January-February figure is ytd ending February). range: any other multi-month span.';
COMMENT ON COLUMN core.observations.quantity IS 'Quantity exactly as published, in quantity_unit (may be null when not published).';
COMMENT ON COLUMN core.observations.quantity_unit IS 'Unit of quantity as published, e.g. 千克 (kg), 吨 (tonnes), 万吨 (10,000 tonnes), or a non-mass unit.';
COMMENT ON COLUMN core.observations.quantity_kg IS 'Quantity in kilograms (kg), converted exactly (DECIMAL) from quantity and its unit; null when the unit is not a mass or no quantity was published.';
COMMENT ON COLUMN core.observations.value IS 'Trade value as published, in currency and the document''s own scale (bulletins publish in e.g. US$1,000 or RMB 10,000 units); use value_usd / value_cny for plain units.';
COMMENT ON COLUMN core.observations.currency IS 'Currency of value: USD or CNY (as published, no conversion).';
COMMENT ON COLUMN core.observations.value_usd IS 'Trade value in US dollars (USD, plain units, scale resolved) when the document is in USD; null otherwise (no exchange-rate conversion is made).';
COMMENT ON COLUMN core.observations.value_cny IS 'Trade value in yuan (CNY, plain units, scale resolved) when the document is in CNY; null otherwise (no exchange-rate conversion is made).';
COMMENT ON COLUMN core.observations.flags IS 'Semicolon-separated notes, empty when none: quantity_missing, kg_from_second_quantity (kg taken from the second quantity column), bulletin missing-cell markers as published (field=-), ytd=month_block.';
COMMENT ON COLUMN core.observations.source_row IS 'Line of the source file (or row of the bulletin table) the number was read from.';

-- ---------------------------------------------------------------- core.latest

COMMENT ON VIEW core.latest IS 'Current figures: same columns and grain as core.observations, but only the newest vintage. For each slice (source, flow, commodity_code, period_start, period_end, basis) it keeps every row of the release loaded last (highest raw.releases.load_seq, status loaded or released); rows an earlier vintage had and the newest one does not are gone. "Latest" means last loaded into the warehouse, not latest publication date.';
COMMENT ON COLUMN core.latest.release_id IS 'Vintage: sha256 of the newest loaded document for this slice (raw.releases.release_id).';
COMMENT ON COLUMN core.latest.source IS 'Publication the number comes from: gacc_query (GACC query-platform export, also used by the bundled sample) or gacc_bulletin (GACC monthly bulletin table). Series from different sources are never combined.';
COMMENT ON COLUMN core.latest.reporter IS 'Reporting country, ISO 3166 alpha-2: always CN (China''s customs, GACC).';
COMMENT ON COLUMN core.latest.flow IS 'export or import, from China''s side: export = goods leaving China for partner.';
COMMENT ON COLUMN core.latest.commodity_code IS 'HS-based 8-digit Chinese tariff line (e.g. 85051110 rare-earth permanent magnets) for query exports; the stable row key of the bulletin table for bulletin figures.';
COMMENT ON COLUMN core.latest.commodity_label IS 'Commodity description as published (Chinese for query exports, the row label for bulletins).';
COMMENT ON COLUMN core.latest.partner IS 'Trading partner: ISO 3166 alpha-2 code (DE, US, ...), WLD for a world-total row, or GACC-nnn for GACC''s "other"/"unknown" buckets that have no ISO code (e.g. GACC-199 other Asia).';
COMMENT ON COLUMN core.latest.source_partner_code IS 'GACC''s own partner code as published (e.g. 304 Germany, 502 United States); null when the document has no partner breakdown.';
COMMENT ON COLUMN core.latest.trade_mode IS 'GACC customs regime code (贸易方式) when the document is split by it, e.g. 10 general trade, 14/15 processing trade, 33/34 bonded and special customs zones; null otherwise.';
COMMENT ON COLUMN core.latest.region_code IS 'GACC code of the domestic place where the trading firm is registered (注册地) when the document is split by it; null otherwise.';
COMMENT ON COLUMN core.latest.grain IS 'Breakdowns the document had: a comma list of partner, trade_mode, region (e.g. partner,trade_mode) or total. One slice holds one grain; sum over partners/trade modes to get a total.';
COMMENT ON COLUMN core.latest.period_start IS 'First day of the first month covered.';
COMMENT ON COLUMN core.latest.period_end IS 'First day of the last month covered (equal to period_start for a single month).';
COMMENT ON COLUMN core.latest.basis IS 'month: trade in the single month period_start (= period_end). ytd: cumulative from January to period_end in one year (a combined January-February figure is ytd ending February). range: any other multi-month span. Never add month and ytd rows together.';
COMMENT ON COLUMN core.latest.quantity IS 'Quantity exactly as published, in quantity_unit (may be null when not published).';
COMMENT ON COLUMN core.latest.quantity_unit IS 'Unit of quantity as published, e.g. 千克 (kg), 吨 (tonnes), 万吨 (10,000 tonnes), or a non-mass unit.';
COMMENT ON COLUMN core.latest.quantity_kg IS 'Quantity in kilograms (kg), converted exactly (DECIMAL) from quantity and its unit; null when the unit is not a mass or no quantity was published.';
COMMENT ON COLUMN core.latest.value IS 'Trade value as published, in currency and the document''s own scale (bulletins publish in e.g. US$1,000 or RMB 10,000 units); use value_usd / value_cny for plain units.';
COMMENT ON COLUMN core.latest.currency IS 'Currency of value: USD or CNY (as published, no conversion).';
COMMENT ON COLUMN core.latest.value_usd IS 'Trade value in US dollars (USD, plain units, scale resolved) when the document is in USD; null otherwise (no exchange-rate conversion is made).';
COMMENT ON COLUMN core.latest.value_cny IS 'Trade value in yuan (CNY, plain units, scale resolved) when the document is in CNY; null otherwise (no exchange-rate conversion is made).';
COMMENT ON COLUMN core.latest.flags IS 'Semicolon-separated notes, empty when none: quantity_missing, kg_from_second_quantity (kg taken from the second quantity column), bulletin missing-cell markers as published (field=-), ytd=month_block.';
COMMENT ON COLUMN core.latest.source_row IS 'Line of the source file (or row of the bulletin table) the number was read from.';

-- ---------------------------------------------------------------- core.revisions

COMMENT ON VIEW core.revisions IS 'Every change of a published number between consecutive vintages (in load order) of the same key (source, flow, commodity_code, partner, source_partner_code, trade_mode, region_code, grain, period, basis): one row per changed quantity_kg or value. Unchanged numbers, first publications and numbers a later vintage dropped are not listed.';
COMMENT ON COLUMN core.revisions.source IS 'Publication: gacc_query or gacc_bulletin (see core.observations.source).';
COMMENT ON COLUMN core.revisions.flow IS 'export or import, from China''s side.';
COMMENT ON COLUMN core.revisions.commodity_code IS 'Tariff line (e.g. 85051110) or bulletin row key.';
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

-- ---------------------------------------------------------------- marts.partner_monthly

COMMENT ON VIEW marts.partner_monthly IS 'One row per source, flow, tariff line, partner and month: single-month figures (basis month) from core.latest summed over trade modes and regions. World-total rows (partner WLD) and rows without a partner key are left out; GACC-nnn buckets are kept.';
COMMENT ON COLUMN marts.partner_monthly.source IS 'Publication: gacc_query or gacc_bulletin.';
COMMENT ON COLUMN marts.partner_monthly.flow IS 'export or import, from China''s side.';
COMMENT ON COLUMN marts.partner_monthly.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets).';
COMMENT ON COLUMN marts.partner_monthly.partner IS 'ISO 3166 alpha-2 partner (DE, US, ...) or GACC-nnn for GACC''s "other"/"unknown" buckets.';
COMMENT ON COLUMN marts.partner_monthly.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.partner_monthly.quantity_kg IS 'Quantity in kilograms (kg), exact: sum of core.latest.quantity_kg for the partner and month.';
COMMENT ON COLUMN marts.partner_monthly.value_usd IS 'Value in US dollars (USD, plain units); null when the figures were published in CNY only.';
COMMENT ON COLUMN marts.partner_monthly.value_cny IS 'Value in yuan (CNY, plain units); null when the figures were published in USD only.';

-- ---------------------------------------------------------------- marts.world_monthly

COMMENT ON VIEW marts.world_monthly IS 'The headline series: one row per source, flow, tariff line and month, world total = sum of all single-month (basis month) rows of core.latest (all partners, trade modes, regions). Comparisons are to the same series: previous calendar month (m/m) and same month a year earlier (y/y); null when that month is not in the warehouse. Used by `customs-etl report`.';
COMMENT ON COLUMN marts.world_monthly.source IS 'Publication: gacc_query or gacc_bulletin.';
COMMENT ON COLUMN marts.world_monthly.flow IS 'export or import, from China''s side.';
COMMENT ON COLUMN marts.world_monthly.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets), or bulletin row key.';
COMMENT ON COLUMN marts.world_monthly.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.world_monthly.quantity_kg IS 'World total quantity in kilograms (kg), exact DECIMAL.';
COMMENT ON COLUMN marts.world_monthly.value_usd IS 'World total value in US dollars (USD, plain units); null when published in CNY only.';
COMMENT ON COLUMN marts.world_monthly.value_cny IS 'World total value in yuan (CNY, plain units); null when published in USD only.';
COMMENT ON COLUMN marts.world_monthly.tonnes IS 'World total in metric tonnes: quantity_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.world_monthly.previous_month_kg IS 'quantity_kg of the previous calendar month in kilograms (kg); null when that month is not in the warehouse.';
COMMENT ON COLUMN marts.world_monthly.last_year_kg IS 'quantity_kg of the same month one year earlier in kilograms (kg); null when that month is not in the warehouse.';
COMMENT ON COLUMN marts.world_monthly.mom_pct IS 'Month-on-month change in percent: (quantity_kg / previous_month_kg - 1) * 100, unrounded; null without a previous month, infinite when it was 0.';
COMMENT ON COLUMN marts.world_monthly.yoy_pct IS 'Year-on-year change in percent: (quantity_kg / last_year_kg - 1) * 100, unrounded; null without the same month last year, infinite when it was 0.';
COMMENT ON COLUMN marts.world_monthly.ytd_kg IS 'Year to date in kilograms (kg), January through this month: the published cumulative (basis ytd ending this month) when there is one, else the sum of this year''s monthly totals when every month January..this month is present; null otherwise.';
COMMENT ON COLUMN marts.world_monthly.ytd_tonnes IS 'Year to date in metric tonnes: ytd_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.world_monthly.last_year_ytd_kg IS 'ytd_kg of the same month one year earlier in kilograms (kg); null when that month is not in the warehouse.';
COMMENT ON COLUMN marts.world_monthly.ytd_yoy_pct IS 'Year-to-date change on a year earlier in percent: (ytd_kg / last_year_ytd_kg - 1) * 100, unrounded.';
COMMENT ON COLUMN marts.world_monthly.highest_since IS 'First day of the latest earlier month of this series with a total at least as high as this month''s; null = highest in the warehouse''s history (a record, as far as the data goes back).';
COMMENT ON COLUMN marts.world_monthly.consecutive_rises IS 'Number of month-on-month rises in a row ending at this month (calendar months; a missing previous month breaks the run); 0 when this month is not higher than the previous one.';

-- ---------------------------------------------------------------- marts.partner_ranked

COMMENT ON VIEW marts.partner_ranked IS 'marts.partner_monthly with tonnes, m/m and y/y change per partner, rank among partners and share of the world total of the same source, flow, tariff line and month. Used by `customs-etl report`.';
COMMENT ON COLUMN marts.partner_ranked.source IS 'Publication: gacc_query or gacc_bulletin.';
COMMENT ON COLUMN marts.partner_ranked.flow IS 'export or import, from China''s side.';
COMMENT ON COLUMN marts.partner_ranked.commodity_code IS 'Tariff line, e.g. 85051110 (rare-earth permanent magnets).';
COMMENT ON COLUMN marts.partner_ranked.partner IS 'ISO 3166 alpha-2 partner (DE, US, ...) or GACC-nnn for GACC''s "other"/"unknown" buckets.';
COMMENT ON COLUMN marts.partner_ranked.period IS 'The month, as its first day (2025-07-01 = July 2025).';
COMMENT ON COLUMN marts.partner_ranked.quantity_kg IS 'Quantity to this partner in kilograms (kg), exact, summed over trade modes and regions.';
COMMENT ON COLUMN marts.partner_ranked.value_usd IS 'Value in US dollars (USD, plain units); null when published in CNY only.';
COMMENT ON COLUMN marts.partner_ranked.value_cny IS 'Value in yuan (CNY, plain units); null when published in USD only.';
COMMENT ON COLUMN marts.partner_ranked.tonnes IS 'Quantity in metric tonnes: quantity_kg / 1000 (DOUBLE).';
COMMENT ON COLUMN marts.partner_ranked.mom_pct IS 'Month-on-month change for this partner in percent: (quantity_kg / same partner''s previous calendar month - 1) * 100, unrounded; null when the partner has no row in the previous month.';
COMMENT ON COLUMN marts.partner_ranked.yoy_pct IS 'Year-on-year change for this partner in percent: (quantity_kg / same partner''s month a year earlier - 1) * 100, unrounded; null when the partner has no row a year earlier.';
COMMENT ON COLUMN marts.partner_ranked.rank IS 'Rank by quantity_kg among all partners (GACC-nnn buckets included) in the same source, flow, tariff line and month: 1 = largest; ties share a rank; null quantities rank last.';
COMMENT ON COLUMN marts.partner_ranked.share_pct IS 'Share of the world total in percent: quantity_kg / marts.world_monthly.quantity_kg * 100 for the same month.';
