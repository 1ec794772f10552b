-- Documents of the batch publishing figures of one line in one year: month figures starting in
-- $months ($basis 'month') or YTD figures ending in them ($basis 'ytd').
SELECT DISTINCT release_id
FROM batch_obs
WHERE source = $source AND flow = $flow AND commodity_code = $code AND basis = $basis
  AND year(CASE WHEN $basis = 'month' THEN period_start ELSE period_end END) = $year
  AND list_contains($months,
                    month(CASE WHEN $basis = 'month' THEN period_start ELSE period_end END));
