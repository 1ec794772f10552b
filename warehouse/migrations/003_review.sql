-- Quarantine review: who released or dropped a held-back document, when and why.
-- The document's own row in raw.releases changes status (released | dropped); its bytes stay.
CREATE SEQUENCE meta.quarantine_review_seq START 1;

CREATE TABLE meta.quarantine_reviews (
    review_id     BIGINT PRIMARY KEY DEFAULT nextval('meta.quarantine_review_seq'),
    release_id    VARCHAR NOT NULL,           -- raw.releases.release_id (sha256 of the bytes)
    action        VARCHAR NOT NULL CHECK (action IN ('released', 'dropped')),
    reason        VARCHAR NOT NULL,           -- what the reviewer wrote (--reason)
    reviewer      VARCHAR NOT NULL,           -- --reviewer, else the OS user
    reviewed_at   TIMESTAMP NOT NULL,         -- UTC
    waived_checks JSON,                       -- the failing checks loaded anyway (release)
    rows_loaded   INTEGER                     -- observations loaded by a release
);
