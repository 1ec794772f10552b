-- core.latest's rule (warehouse/views/10_core_latest.sql) over any set of vintages, per
-- document: per slice (series, reporter, flow, line, period, basis) the most verified full
-- vintage is the base — ranked by `verified`, then the newest `seq` — and partial vintages
-- after it replace only the cells (partner × trade mode × region) they carry. `vintages` names
-- a table, view or CTE with the columns of batch_obs plus `doc`: the document whose state this
-- is ('' for the state of everything given). Only slices a newer partial vintage patches need
-- the per-cell window (slow in DuckDB with eleven partition columns); every other slice is its
-- base as it is. slice_complete: the slice has a full vintage (its world total is known).
CREATE OR REPLACE TEMP MACRO state_of(vintages) AS TABLE
WITH v AS (FROM query_table(vintages)),
bases AS (
    SELECT doc, source, reporter, flow, commodity_code, period_start, period_end, basis,
           arg_max(seq, (verified, seq)) FILTER (WHERE coverage = 'full') AS base_seq,
           max(seq) FILTER (WHERE coverage = 'partial') AS partial_seq
    FROM v
    GROUP BY ALL
),
candidates AS (
    SELECT v.*, b.base_seq IS NOT NULL AS slice_complete,
           coalesce(b.partial_seq > coalesce(b.base_seq, -1), false) AS patched
    FROM v
    JOIN bases AS b
      USING (doc, source, reporter, flow, commodity_code, period_start, period_end, basis)
    WHERE v.seq = b.base_seq OR (v.coverage = 'partial' AND v.seq > coalesce(b.base_seq, -1))
)
SELECT * EXCLUDE (patched) FROM candidates WHERE NOT patched
UNION ALL
SELECT * EXCLUDE (patched) FROM candidates WHERE patched
QUALIFY seq = max(seq) OVER (
    PARTITION BY doc, source, reporter, flow, commodity_code, period_start, period_end, basis,
                 partner, source_partner_code, trade_mode, region_code
);
