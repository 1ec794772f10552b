-- Views, table macros and comments are files from here on (warehouse/views/*.sql), applied
-- after the migrations whenever any of them changed (warehouse.db.apply_views): a view changes
-- in one place, and a new source edits a comment without a migration. This table records the
-- files the warehouse's views were made from.
CREATE TABLE meta.applied_views (
    name       VARCHAR NOT NULL,   -- file name under warehouse/views
    sha256     VARCHAR NOT NULL,   -- of its text
    applied_at TIMESTAMP NOT NULL  -- UTC
);
