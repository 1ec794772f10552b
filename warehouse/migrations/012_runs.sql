-- The warehouse's own record of its runs (issue 22): one row per pipeline flow run, written at
-- its end, so `customs-etl status` can say when each flow last ran and how it ended without a
-- Prefect API. A run that crashes before its end writes no row (Prefect's API still knows it).
-- A table only: a lake needs no companion step (no rows change, nothing is dropped); its
-- comments are in warehouse/views/00_tables.sql.
CREATE TABLE meta.runs (
    run_id        VARCHAR NOT NULL,
    run_name      VARCHAR,
    flow          VARCHAR NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    ended_at      TIMESTAMP NOT NULL,
    state         VARCHAR NOT NULL,
    documents     INTEGER NOT NULL,
    loaded        INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL,
    quarantined   INTEGER NOT NULL,
    refused       INTEGER NOT NULL,
    rows_loaded   BIGINT NOT NULL,
    newest_period DATE
);
