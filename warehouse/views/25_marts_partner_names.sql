-- marts.partner_names: the English name of every partner key the warehouse uses, for the
-- marts' partner_name column and for joining core.latest or an export on partner.
-- The rows are not written here: when the files are read, the partner_names marker in double
-- braces below becomes one ('key', 'name') row per key from core.partners.partner_names() — GACC's reviewed partner
-- table (core/reference/gacc_partner_codes.csv) and UN Comtrade's areas — the one source of
-- truth, which the reports use too. A changed table changes this file's checksum, so the view
-- is applied again at the next connect (no migration).

CREATE VIEW marts.partner_names AS
SELECT partner, partner_name FROM (VALUES
{{partner_names}}
) AS names(partner, partner_name);

COMMENT ON VIEW marts.partner_names IS 'One row per partner key with its English name (DE Germany, US United States, GACC-199 Other Asia, CT-899 Areas, nes, WLD World), from GACC''s reviewed partner table and UN Comtrade''s area list shipped with customs-etl. Join on partner to name core.latest rows or exported files.';
COMMENT ON COLUMN marts.partner_names.partner IS 'Partner key as in every table: ISO 3166 alpha-2 (DE, US, ...), GACC-nnn for a GACC code without an ISO code, CT-nnn for a UN Comtrade area, WLD for the world.';
COMMENT ON COLUMN marts.partner_names.partner_name IS 'English name of the partner (Germany for DE, whatever the source''s label: 德国 in query exports).';
