-- Ids made by the application, serialised by one counter row (issue 13: the warehouse may be a
-- DuckLake, which has no sequences, no PRIMARY KEY and no UNIQUE; the same code runs on both).
-- * raw.releases.load_seq: every write transaction (load, quarantine, archive, review) updates
--   meta.load_counter and takes its load_seqs from it. On a lake two writers that both update
--   the row conflict at COMMIT, and the loser runs its whole transaction again (reads and
--   checks included): load_seq follows commit order, is never reused, and the same bytes are
--   never stored twice, across processes and machines. On a DuckDB file the single writer
--   makes this trivially true.
-- * meta.quarantine_reviews.review_id: max + 1 inside the same serialised transaction.
-- The sequences and the defaults that used them go.

CREATE TABLE meta.load_counter (
    last_load_seq BIGINT NOT NULL
);
INSERT INTO meta.load_counter SELECT coalesce(max(load_seq), 0) FROM raw.releases;

ALTER TABLE raw.releases ALTER COLUMN load_seq DROP DEFAULT;
DROP SEQUENCE raw.release_load_seq;
ALTER TABLE meta.quarantine_reviews ALTER COLUMN review_id DROP DEFAULT;
DROP SEQUENCE meta.quarantine_review_seq;

COMMENT ON TABLE meta.load_counter IS 'One row: the last raw.releases.load_seq handed out. Every write transaction updates it, so concurrent writers (on a DuckLake) commit one after another and load_seq follows commit order.';
COMMENT ON COLUMN meta.load_counter.last_load_seq IS 'The highest load_seq given to a document so far (0 before the first).';
