-- Layers: raw (documents as received), core (canonical observations, every vintage), marts.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS marts;

CREATE SEQUENCE raw.release_load_seq START 1;

-- One row per document ever received, loaded or not: the bytes are never lost.
CREATE TABLE raw.releases (
    release_id        VARCHAR PRIMARY KEY,          -- sha256 of the bytes (content address)
    load_seq          BIGINT NOT NULL DEFAULT nextval('raw.release_load_seq'),
    source            VARCHAR NOT NULL,             -- gacc_query, gacc_bulletin, sample, ...
    file_name         VARCHAR,
    url               VARCHAR,                      -- secrets redacted before it gets here
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
    status            VARCHAR NOT NULL,             -- loaded | quarantined | released | dropped
    row_count         INTEGER,
    message           VARCHAR,                      -- one line: why it was quarantined
    validation_report JSON
);

-- One row = one published number, tied to its vintage by release_id.
CREATE TABLE core.observations (
    release_id          VARCHAR NOT NULL,
    source              VARCHAR NOT NULL,
    reporter            VARCHAR NOT NULL,
    flow                VARCHAR NOT NULL,
    commodity_code      VARCHAR NOT NULL,
    commodity_label     VARCHAR,
    partner             VARCHAR,
    source_partner_code VARCHAR,
    trade_mode          VARCHAR,
    region_code         VARCHAR,
    grain               VARCHAR NOT NULL,
    period_start        DATE NOT NULL,
    period_end          DATE NOT NULL,
    basis               VARCHAR NOT NULL,
    quantity            DECIMAL(38, 6),
    quantity_unit       VARCHAR,
    quantity_kg         DECIMAL(38, 6),
    value               DECIMAL(38, 6),
    currency            VARCHAR NOT NULL,
    value_usd           DECIMAL(38, 6),
    value_cny           DECIMAL(38, 6),
    flags               VARCHAR,
    source_row          INTEGER
);

-- The newest loaded release wins a whole slice (source, flow, line, period, basis): rows a new
-- vintage no longer carries disappear with it, and grains never mix inside a slice.
CREATE VIEW core.latest AS
SELECT o.*
FROM core.observations AS o
JOIN raw.releases AS r USING (release_id)
WHERE r.status IN ('loaded', 'released')
QUALIFY r.load_seq = max(r.load_seq) OVER (
    PARTITION BY o.source, o.flow, o.commodity_code, o.period_start, o.period_end, o.basis
);

-- Every change of a published number between consecutive vintages.
CREATE VIEW core.revisions AS
WITH versions AS (
    SELECT
        o.*,
        r.load_seq,
        lag(o.release_id) OVER w AS previous_release_id,
        lag(o.quantity_kg) OVER w AS previous_quantity_kg,
        lag(o.value) OVER w AS previous_value
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released')
    WINDOW w AS (
        PARTITION BY o.source, o.flow, o.commodity_code, o.partner, o.source_partner_code,
                     o.trade_mode, o.region_code, o.grain, o.period_start, o.period_end, o.basis
        ORDER BY r.load_seq
    )
)
SELECT
    source, flow, commodity_code, partner, trade_mode, region_code, period_start, period_end,
    basis, previous_release_id, release_id, previous_quantity_kg, quantity_kg,
    quantity_kg - previous_quantity_kg AS delta_kg, previous_value, value
FROM versions
WHERE previous_release_id IS NOT NULL
  AND (quantity_kg IS DISTINCT FROM previous_quantity_kg OR value IS DISTINCT FROM previous_value);
