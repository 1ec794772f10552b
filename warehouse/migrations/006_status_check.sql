-- Statuses and coverage are typed (core.models.Status / Coverage) and checked by the warehouse:
-- raw.releases is rebuilt with CHECK constraints (DuckDB cannot add one to an existing table).
-- Same columns, same order, same load_seq sequence; every row copied; comments re-applied.

CREATE TABLE raw.releases_checked (
    release_id        VARCHAR PRIMARY KEY,
    load_seq          BIGINT NOT NULL DEFAULT nextval('raw.release_load_seq'),
    source            VARCHAR NOT NULL,
    file_name         VARCHAR,
    url               VARCHAR,
    content           BLOB NOT NULL,
    size_bytes        BIGINT NOT NULL,
    fetched_at        TIMESTAMP,
    published_on      DATE,
    ingested_at       TIMESTAMP NOT NULL,
    parser_version    VARCHAR NOT NULL,
    flow              VARCHAR,
    commodity_code    VARCHAR,
    period_start      DATE,
    period_end        DATE,
    status            VARCHAR NOT NULL
        CHECK (status IN ('loaded', 'quarantined', 'released', 'dropped', 'archived')),
    row_count         INTEGER,
    message           VARCHAR,
    validation_report JSON,
    coverage          VARCHAR NOT NULL DEFAULT 'full' CHECK (coverage IN ('full', 'partial'))
);

INSERT INTO raw.releases_checked
SELECT release_id, load_seq, source, file_name, url, content, size_bytes, fetched_at,
       published_on, ingested_at, parser_version, flow, commodity_code, period_start,
       period_end, status, row_count, message, validation_report, coalesce(coverage, 'full')
FROM raw.releases;

DROP TABLE raw.releases;
ALTER TABLE raw.releases_checked RENAME TO releases;

COMMENT ON TABLE raw.releases IS 'One row per source document ever received (loaded or not): the exact bytes, where they came from and what became of them. core.observations.release_id points here.';
COMMENT ON COLUMN raw.releases.release_id IS 'sha256 (hex) of the document bytes: its content address; the same bytes twice are one release.';
COMMENT ON COLUMN raw.releases.load_seq IS 'Order in which documents reached the warehouse (1, 2, ...). core.latest takes the highest load_seq per slice as the newest vintage.';
COMMENT ON COLUMN raw.releases.source IS 'How the document arrived: sample (the bundled, partly MODELED sample: never mixed with real releases), gacc_query (query-platform CSV), gacc_bulletin (monthly bulletin page over HTTP), gacc_bulletin_index (an index page, archived only).';
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
