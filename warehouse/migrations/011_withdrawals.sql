-- A loaded release can be withdrawn (issue 18): a file filed under the wrong flow, line or
-- months comes out of the current figures, audited like a quarantine drop, and its bytes can
-- then be offered again under the right name.
-- * raw.releases.status and meta.quarantine_reviews.action accept 'withdrawn' (DuckDB cannot
--   change a CHECK constraint: both tables are rebuilt with every row, as in 006).
-- * meta.withdrawn_observations keeps a withdrawn release's rows (moved out of
--   core.observations, so the same bytes offered again load rows of their own).

CREATE TABLE raw.releases_next (
    release_id        VARCHAR PRIMARY KEY,
    load_seq          BIGINT NOT NULL,
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
    status            VARCHAR NOT NULL CHECK (status IN ('loaded', 'quarantined', 'released',
                                                          'dropped', 'archived', 'withdrawn')),
    row_count         INTEGER,
    message           VARCHAR,
    validation_report JSON,
    coverage          VARCHAR NOT NULL DEFAULT 'full' CHECK (coverage IN ('full', 'partial'))
);
INSERT INTO raw.releases_next SELECT * FROM raw.releases;
DROP TABLE raw.releases;
ALTER TABLE raw.releases_next RENAME TO releases;

CREATE TABLE meta.quarantine_reviews_next (
    review_id     BIGINT PRIMARY KEY,
    release_id    VARCHAR NOT NULL,
    action        VARCHAR NOT NULL CHECK (action IN ('released', 'dropped', 'withdrawn')),
    reason        VARCHAR NOT NULL,
    reviewer      VARCHAR NOT NULL,
    reviewed_at   TIMESTAMP NOT NULL,
    waived_checks JSON,
    rows_loaded   INTEGER
);
INSERT INTO meta.quarantine_reviews_next SELECT * FROM meta.quarantine_reviews;
DROP TABLE meta.quarantine_reviews;
ALTER TABLE meta.quarantine_reviews_next RENAME TO quarantine_reviews;

CREATE TABLE meta.withdrawn_observations AS
SELECT *, CAST(NULL AS BIGINT) AS review_id FROM core.observations LIMIT 0;
