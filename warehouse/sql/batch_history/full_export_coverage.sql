-- A full document that brings a month (or a cumulative) no earlier vintage holds, beside the
-- latest earlier complete figure of the same series — as the document found it: history and
-- the batch's earlier documents. How much of that figure the partners (and trade modes) the
-- document carries held tells a whole export from a filtered one named as whole. Reads the
-- temp tables of warehouse.batch_history.BatchHistory (batch_obs, vintages).
--
-- The search for the earlier figure compares slices, not rows: joined row by row, every
-- month of a line met every row of its earlier months (a batch of 36 months: 1.7 s, now
-- 0.7 s); only the figure found is read row by row (prev_vintages).
WITH slices AS (
    SELECT DISTINCT seq, coverage, source, reporter, flow, commodity_code, period_start,
           period_end, basis
    FROM vintages
),
new_slices AS (
    SELECT DISTINCT b.release_id AS doc, b.seq AS doc_seq, b.source, b.reporter, b.flow,
           b.commodity_code, b.period_start, b.period_end, b.basis
    FROM batch_obs AS b
    WHERE b.coverage = 'full'
      AND (b.basis = 'ytd' OR (b.basis = 'month' AND b.period_start = b.period_end))
      AND NOT EXISTS (
          SELECT 1 FROM slices AS v
          WHERE v.seq < b.seq AND v.source = b.source AND v.reporter = b.reporter
            AND v.flow = b.flow AND v.commodity_code = b.commodity_code
            AND v.period_start = b.period_start AND v.period_end = b.period_end
            AND v.basis = b.basis)
),
previous AS (
    -- the latest earlier slice of the same series and basis with a full vintage before it
    SELECT n.*, max(v.period_end) AS prev_end
    FROM new_slices AS n
    JOIN slices AS v
      ON v.source = n.source AND v.reporter = n.reporter AND v.flow = n.flow
     AND v.commodity_code = n.commodity_code AND v.basis = n.basis AND v.seq < n.doc_seq
     AND v.coverage = 'full' AND v.period_end < n.period_end
     AND ((n.basis = 'month' AND v.period_start = v.period_end)
          OR (n.basis = 'ytd' AND v.period_start = n.period_start))
    GROUP BY ALL
),
prev_vintages AS (
    SELECT p.doc, p.doc_seq, p.period_end AS new_end, p.prev_end, v.*
    FROM previous AS p
    JOIN vintages AS v
      ON v.source = p.source AND v.reporter = p.reporter AND v.flow = p.flow
     AND v.commodity_code = p.commodity_code AND v.basis = p.basis AND v.seq < p.doc_seq
     AND v.period_end = p.prev_end
     AND v.period_start = CASE WHEN p.basis = 'month' THEN p.prev_end ELSE p.period_start END
),
prev_state AS (
    -- core.latest's rule over what the document found: the newest full vintage, patched by
    -- newer partial cells
    SELECT v.*
    FROM prev_vintages AS v
    JOIN (SELECT doc, new_end, commodity_code, basis,
                 arg_max(seq, (verified, seq)) FILTER (WHERE coverage = 'full') AS base_seq
          FROM prev_vintages GROUP BY ALL) AS b USING (doc, new_end, commodity_code, basis)
    WHERE v.seq = b.base_seq OR (v.coverage = 'partial' AND v.seq > b.base_seq)
    QUALIFY v.seq = max(v.seq) OVER (
        PARTITION BY v.doc, v.new_end, v.commodity_code, v.basis, v.partner,
                     v.source_partner_code, v.trade_mode, v.region_code)
),
mine AS (
    SELECT b.release_id AS doc, b.commodity_code, b.basis, b.period_end AS new_end,
           list(DISTINCT b.partner) FILTER (WHERE b.partner IS NOT NULL AND b.partner <> 'WLD')
               AS partners,
           list(DISTINCT b.trade_mode) FILTER (WHERE b.trade_mode IS NOT NULL) AS modes
    FROM batch_obs AS b
    SEMI JOIN previous AS n
      ON n.doc = b.release_id AND n.commodity_code = b.commodity_code AND n.basis = b.basis
     AND n.period_start = b.period_start AND n.period_end = b.period_end
    GROUP BY ALL
),
held AS (
    SELECT s.doc, s.commodity_code, s.basis, s.new_end, s.prev_end, s.partner, s.trade_mode,
           sum(coalesce(s.kg, 0)) AS kg
    FROM prev_state AS s
    WHERE s.partner IS NOT NULL AND s.partner <> 'WLD'
    GROUP BY ALL
)
-- Grouped by the figure only: the document's partner and mode lists depend on it (grouping by
-- the lists themselves hashed a list for every row).
SELECT
    h.doc, h.commodity_code, h.basis, h.new_end, h.prev_end,
    sum(h.kg) AS prev_kg,
    sum(h.kg) FILTER (WHERE list_contains(coalesce(m.partners, []), h.partner)) AS partners_kg,
    CASE WHEN len(coalesce(any_value(m.modes), [])) > 0 AND bool_or(h.trade_mode IS NOT NULL)
         THEN sum(h.kg) FILTER (WHERE list_contains(m.modes, h.trade_mode)) END AS modes_kg,
    list(DISTINCT h.partner ORDER BY h.partner)
        FILTER (WHERE NOT list_contains(coalesce(m.partners, []), h.partner)) AS missing_partners,
    list(DISTINCT h.trade_mode ORDER BY h.trade_mode)
        FILTER (WHERE h.trade_mode IS NOT NULL AND len(coalesce(m.modes, [])) > 0
                AND NOT list_contains(m.modes, h.trade_mode)) AS missing_modes
FROM held AS h
JOIN mine AS m USING (doc, commodity_code, basis, new_end)
GROUP BY h.doc, h.commodity_code, h.basis, h.new_end, h.prev_end
ORDER BY h.doc, h.commodity_code, h.new_end, h.basis
