-- Comments on the tables (the tables themselves are made by warehouse/migrations). Re-applied
-- with every view file whenever one changes, so a new source only edits a comment here.

COMMENT ON TABLE raw.releases IS 'One row per source document ever received (loaded or not): the exact bytes, where they came from and what became of them. core.observations.release_id points here.';
COMMENT ON COLUMN raw.releases.release_id IS 'sha256 (hex) of the document bytes: its content address; the same bytes twice are one release.';
COMMENT ON COLUMN raw.releases.load_seq IS 'Order in which documents reached the warehouse (1, 2, ...). core.latest takes the highest load_seq per slice as the newest vintage.';
COMMENT ON COLUMN raw.releases.source IS 'How the document arrived: sample (the bundled, partly MODELED sample: never mixed with real releases), gacc_query (query-platform CSV), gacc_bulletin (monthly bulletin page over HTTP), comtrade (UN Comtrade API pages: a page bundle per pull, or an availability page, archived).';
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
COMMENT ON COLUMN raw.releases.status IS 'loaded (observations in core), quarantined (failed a critical check, nothing loaded), released (quarantined, then released by an operator and loaded), dropped (discarded by an operator), archived (kept as evidence, never parsed: an index page).';
COMMENT ON COLUMN raw.releases.row_count IS 'Observations the document produced (loaded rows for loaded documents).';
COMMENT ON COLUMN raw.releases.message IS 'One line: why the document was quarantined; null when loaded.';
COMMENT ON COLUMN raw.releases.validation_report IS 'JSON report of the Great Expectations suites run on the document (release and history checks, failing rows).';
COMMENT ON COLUMN raw.releases.coverage IS 'full: the document carries every partner and trade mode of the slices it publishes (it replaces them whole). partial: a filtered export loaded with --partial; it replaces only the cells (partner x trade mode x region) it carries, and no world total is computed from partial releases alone.';

COMMENT ON TABLE raw.release_datasets IS 'Which publisher datasets each document carries and at which version (UN Comtrade: one reporter''s month, C/M/HS/<reporter>/<YYYYMM>, or one HS6 code of it, …/<hs6>, when --commodity narrowed the pull; versioned by the API''s datasetChecksum). A revision-driven pull fetches a dataset again only when the API reports a version other than the one the latest loaded, released, dropped or archived (an answer of no rows) document carried.';

COMMENT ON TABLE core.observations IS 'One row = one published number of one document vintage (release_id). Every vintage is kept, so the same figure appears once per release that published it: for current figures query core.latest. Never sum rows of different grain or basis.';
COMMENT ON COLUMN core.observations.release_id IS 'Vintage: sha256 of the source document (raw.releases.release_id).';
COMMENT ON COLUMN core.observations.source IS 'Publication the number comes from: gacc_query (GACC query-platform export), gacc_bulletin (GACC monthly bulletin table), comtrade (UN Comtrade API: China''s reported exports and its partners'' reported imports from China) or sample (the bundled, partly MODELED demo data: a separate series, never combined with real releases).';
COMMENT ON COLUMN core.observations.reporter IS 'Reporting country, ISO 3166 alpha-2: CN for China''s customs (GACC, and China''s reports to UN Comtrade); for source comtrade also each partner that reports its imports from China (mirror figures: US, DE, ...) or CT-nnn for a Comtrade area.';
COMMENT ON COLUMN core.observations.flow IS 'export or import, from China''s side: export = goods leaving China for partner.';
COMMENT ON COLUMN core.observations.commodity_code IS 'HS-based 8-digit Chinese tariff line (e.g. 85051110 rare-earth permanent magnets) for query exports; the stable row key of the bulletin table for bulletin figures.';
COMMENT ON COLUMN core.observations.commodity_label IS 'Commodity description as published (Chinese for query exports, the row label for bulletins).';
COMMENT ON COLUMN core.observations.partner IS 'Trading partner: ISO 3166 alpha-2 code (DE, US, ...), WLD for a world-total row, or GACC-nnn for GACC codes without an ISO code ("other"/"unknown" buckets, and codes the project''s table does not know yet; see partner_label).';
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
COMMENT ON COLUMN core.observations.partner_label IS 'Partner name as published (e.g. 德国); for a GACC code the project''s table does not know yet, the only name there is (partner is then GACC-nnn).';

COMMENT ON TABLE meta.load_counter IS 'One row: the last raw.releases.load_seq handed out. Every write transaction updates it, so concurrent writers (on a DuckLake) commit one after another and load_seq follows commit order.';
COMMENT ON COLUMN meta.load_counter.last_load_seq IS 'The highest load_seq given to a document so far (0 before the first).';

COMMENT ON TABLE meta.applied_views IS 'The view files (warehouse/views/*.sql) the warehouse''s views, macros and comments were made from: one row per file with the sha256 of its text. A writer re-applies every file when the set differs from the code''s; a reader of a warehouse with other files refuses until `customs-etl migrate` has run.';
COMMENT ON COLUMN meta.applied_views.name IS 'File name under warehouse/views.';
COMMENT ON COLUMN meta.applied_views.sha256 IS 'sha256 (hex) of the file''s text when it was applied.';
COMMENT ON COLUMN meta.applied_views.applied_at IS 'When it was applied (UTC, no time zone).';

COMMENT ON TABLE meta.withdrawn_observations IS 'Rows of releases an operator withdrew (`customs-etl withdraw`): moved out of core.observations so they count nowhere, kept for the audit; review_id is the meta.quarantine_reviews row that withdrew them. The same bytes offered again load rows of their own.';
COMMENT ON COLUMN meta.withdrawn_observations.review_id IS 'meta.quarantine_reviews.review_id of the withdrawal (who, when, why); the other columns are core.observations''.';

COMMENT ON TABLE meta.runs IS 'One row per pipeline flow run (backfill, monthly, scheduled-monthly, ingest, landing), written when the run ends: what `customs-etl status` shows as the last run of each flow. Runs that crash before their end are not recorded here.';
COMMENT ON COLUMN meta.runs.run_id IS 'The Prefect flow run id (a random UUID when the flow ran without Prefect).';
COMMENT ON COLUMN meta.runs.run_name IS 'The Prefect flow run name, e.g. crafty-otter.';
COMMENT ON COLUMN meta.runs.flow IS 'Which flow: backfill, monthly, scheduled-monthly, ingest or landing.';
COMMENT ON COLUMN meta.runs.started_at IS 'When the run started (UTC, no time zone).';
COMMENT ON COLUMN meta.runs.ended_at IS 'When the run ended (UTC, no time zone).';
COMMENT ON COLUMN meta.runs.state IS 'completed; failed (a document was quarantined or refused: the others still loaded); interrupted (Ctrl-C after a committed load).';
COMMENT ON COLUMN meta.runs.documents IS 'Documents the run decided (every status).';
COMMENT ON COLUMN meta.runs.loaded IS 'Documents the run loaded.';
COMMENT ON COLUMN meta.runs.unchanged IS 'Documents already loaded (the same bytes): no-ops.';
COMMENT ON COLUMN meta.runs.quarantined IS 'Documents held back for review (customs-etl quarantine list).';
COMMENT ON COLUMN meta.runs.refused IS 'Documents refused before loading (e.g. bytes already loaded as something else).';
COMMENT ON COLUMN meta.runs.rows_loaded IS 'Rows the run added to core.observations.';
COMMENT ON COLUMN meta.runs.newest_period IS 'The newest month a current release covers (any source) after the run, as its first day; null when none.';
