-- Per document, the figures it restates: per contested slice (held by history or an earlier
-- document of the batch) and partner, the state just before it against the state just after
-- it. A full document that drops a partner restates it to 0, one that adds a partner restates
-- it from 0; `large` is worth a person's look (core.large_revision_kg). Reads prior_state and
-- upto_state (document_states).
WITH sums AS (
    SELECT 'old' AS side, doc, source, reporter, flow, commodity_code, period_start, period_end,
           basis, partner, sum(kg) AS kg
    FROM prior_state GROUP BY ALL
    UNION ALL
    SELECT 'new', doc, source, reporter, flow, commodity_code, period_start, period_end, basis,
           partner, sum(kg)
    FROM upto_state GROUP BY ALL
),
held AS (
    SELECT DISTINCT doc, source, reporter, flow, commodity_code, period_start, period_end, basis
    FROM prior_state
),
pivoted AS (
    SELECT doc, source, reporter, flow, commodity_code, period_start, period_end, basis, partner,
           coalesce(sum(kg) FILTER (WHERE side = 'old'), 0) AS old_kg,
           coalesce(sum(kg) FILTER (WHERE side = 'new'), 0) AS new_kg
    FROM sums
    JOIN held USING (doc, source, reporter, flow, commodity_code, period_start, period_end, basis)
    GROUP BY ALL
)
SELECT doc AS release_id, source, flow, commodity_code, partner, period_start, period_end, basis,
       old_kg, new_kg, new_kg - old_kg AS delta_kg,
       CASE WHEN old_kg <> 0 THEN (new_kg - old_kg) / old_kg * 100 END AS delta_pct,
       abs(new_kg - old_kg) > core.large_revision_kg(old_kg) AS large
FROM pivoted
WHERE abs(old_kg - new_kg) > 1e-9
ORDER BY release_id, source, flow, commodity_code, period_start, period_end, basis, partner;
