-- What each document lacks of the contested slices it would replace: the partners and trade
-- modes the state just before it holds that it does not carry (a full document must carry them
-- all), and the breakdown (grain) held, which a partial document must match. One row per
-- (document, contested slice), in load order. Reads doc_slices, prior_state (document_states).
WITH held AS (
    SELECT doc, source, reporter, flow, commodity_code, period_start, period_end, basis,
           list(DISTINCT partner ORDER BY partner)
               FILTER (WHERE partner IS NOT NULL AND partner <> 'WLD') AS partners,
           list(DISTINCT trade_mode ORDER BY trade_mode)
               FILTER (WHERE trade_mode IS NOT NULL) AS modes,
           min(grain) AS grain_held
    FROM prior_state
    GROUP BY ALL
),
mine AS (  -- only the contested slices: the rest are new, nothing to lack
    SELECT release_id AS doc, source, reporter, flow, commodity_code, period_start, period_end,
           basis,
           list(DISTINCT partner ORDER BY partner)
               FILTER (WHERE partner IS NOT NULL AND partner <> 'WLD') AS partners,
           list(DISTINCT trade_mode ORDER BY trade_mode)
               FILTER (WHERE trade_mode IS NOT NULL) AS modes
    FROM batch_obs
    SEMI JOIN (SELECT doc AS release_id, source, reporter, flow, commodity_code, period_start,
                      period_end, basis
               FROM doc_slices)
        USING (release_id, source, reporter, flow, commodity_code, period_start, period_end,
               basis)
    GROUP BY ALL
)
SELECT d.doc AS release_id, d.doc_coverage AS coverage, d.doc_grain AS grain, h.grain_held,
       d.commodity_code, d.basis, d.period_start, d.period_end,
       list_filter(coalesce(h.partners, []), x -> NOT list_contains(coalesce(m.partners, []), x))
           AS missing_partners,
       len(coalesce(h.partners, [])) AS partners_held,
       list_filter(coalesce(h.modes, []), x -> NOT list_contains(coalesce(m.modes, []), x))
           AS missing_trade_modes,
       len(coalesce(h.modes, [])) AS trade_modes_held
FROM doc_slices AS d
JOIN held AS h
    USING (doc, source, reporter, flow, commodity_code, period_start, period_end, basis)
JOIN mine AS m
    USING (doc, source, reporter, flow, commodity_code, period_start, period_end, basis)
ORDER BY d.doc_seq, d.commodity_code, d.period_start, d.period_end, d.basis;
