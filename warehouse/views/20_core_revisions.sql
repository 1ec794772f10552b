-- core.revisions: every change of a published number between consecutive vintages of its
-- series (in load order; a bulletin figure after the preliminary one revises it: both named).

CREATE VIEW core.revisions AS
WITH versions AS (
    SELECT
        o.*,
        r.load_seq,
        lag(o.release_id) OVER w AS previous_release_id,
        lag(o.source) OVER w AS previous_source,
        lag(o.quantity_kg) OVER w AS previous_quantity_kg,
        lag(o.value) OVER w AS previous_value
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released')
    WINDOW w AS (
        PARTITION BY core.series_source(o.source), o.reporter, o.flow, o.commodity_code, o.partner,
                     o.source_partner_code, o.trade_mode, o.region_code, o.grain,
                     o.period_start, o.period_end, o.basis
        ORDER BY r.load_seq
    )
)
SELECT
    source, flow, commodity_code, partner, trade_mode, region_code, period_start, period_end,
    basis, previous_release_id, release_id, previous_quantity_kg, quantity_kg,
    quantity_kg - previous_quantity_kg AS delta_kg, previous_value, value, reporter,
    previous_source, core.series_source(source) AS series_source
FROM versions
WHERE previous_release_id IS NOT NULL
  AND (quantity_kg IS DISTINCT FROM previous_quantity_kg OR value IS DISTINCT FROM previous_value);

COMMENT ON VIEW core.revisions IS 'Every change of a published number between consecutive vintages (in load order) of the same key (series_source, reporter, flow, commodity_code, partner, source_partner_code, trade_mode, region_code, grain, period, basis): one row per changed quantity_kg or value. Unchanged numbers, first publications and numbers a later vintage dropped are not listed.';
COMMENT ON COLUMN core.revisions.source IS 'Publication of the later vintage: gacc_query, gacc_bulletin, gacc_preliminary or comtrade (see core.observations.source).';
COMMENT ON COLUMN core.revisions.previous_source IS 'Publication of the earlier vintage (gacc_preliminary when the bulletin revises the preliminary release''s figure).';
COMMENT ON COLUMN core.revisions.series_source IS 'The series both vintages belong to (see core.latest.series_source).';
COMMENT ON COLUMN core.revisions.flow IS 'export or import, from the reporter''s side (CN: China''s exports and imports; a partner reporter: its imports, flow import with partner CN).';
COMMENT ON COLUMN core.revisions.commodity_code IS 'Tariff line (e.g. 85051110), HS6 code (comtrade) or bulletin row key.';
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
COMMENT ON COLUMN core.revisions.reporter IS 'Reporting country (see core.latest.reporter): CN, or the partner whose own report was revised.';
