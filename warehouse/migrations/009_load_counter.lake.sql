-- The lake's step to 009 (see warehouse/lake.py): the counter starts after the highest load_seq
-- the lake already holds (a new lake gets the row 009 seeds, 0). The derived step then adds
-- the comments; the lake never had the sequences or their defaults.
CREATE TABLE meta.load_counter (last_load_seq BIGINT NOT NULL);
INSERT INTO meta.load_counter SELECT coalesce(max(load_seq), 0) FROM raw.releases;
