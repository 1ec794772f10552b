-- A bulletin page's month figures beside the preliminary release of the same month and row
-- (its newest full vintage): the bulletin verifies the preliminary figures, so their values
-- differ by rounding and small revisions, never by a currency or a scale. Reads the temp table
-- bulletin_values (the batch's bulletin rows) registered by warehouse.batch_history.
WITH preliminary AS (
    SELECT o.flow, o.commodity_code, o.period_start, o.value_usd, o.value_cny, r.load_seq
    FROM core.observations AS o
    JOIN raw.releases AS r USING (release_id)
    WHERE r.status IN ('loaded', 'released') AND r.coverage = 'full'
      AND o.source = 'gacc_preliminary' AND o.basis = 'month'
      AND o.period_start = o.period_end AND o.partner = 'WLD'
      AND (o.flow, o.commodity_code, o.period_start) IN (
          SELECT DISTINCT (flow, commodity_code, period_start) FROM bulletin_values)
    QUALIFY r.load_seq = max(r.load_seq) OVER (PARTITION BY o.flow, o.commodity_code,
                                                             o.period_start)
)
SELECT b.release_id, b.commodity_code, b.commodity_label, b.period_start,
       b.currency,
       CAST(CASE WHEN b.currency = 'USD' THEN b.value_usd ELSE b.value_cny END AS DOUBLE)
           AS bulletin_value,
       CAST(CASE WHEN b.currency = 'USD' THEN p.value_usd ELSE p.value_cny END AS DOUBLE)
           AS preliminary_value
FROM bulletin_values AS b
JOIN preliminary AS p USING (flow, commodity_code, period_start)
WHERE CASE WHEN b.currency = 'USD' THEN p.value_usd ELSE p.value_cny END > 0
  AND coalesce(CASE WHEN b.currency = 'USD' THEN b.value_usd ELSE b.value_cny END, 0) > 0
ORDER BY b.release_id, b.commodity_code
