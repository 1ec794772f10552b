-- One row per published YTD figure whose months are known (transforms.ytd decides what is
-- explained): `sum` — YTD(m) against the sum of months 1..m (a combined January–February YTD
-- standing in for the two months), `step` — YTD(m) against YTD(m−1) + month(m). Per partner and
-- for the world (WLD: the sum of every row). A partner with no row in a month that is present
-- traded nothing then; tolerance core.ytd_tolerance_kg. Reads the temp views ytd_state (the
-- state checked: ytd_state_before.sql or ytd_state_after.sql) and ytd_skip (cumulatives that
-- arbitrate nothing).
WITH st AS (FROM ytd_state),
sums AS (
    SELECT source, flow, commodity_code, 'WLD' AS partner, period_start, period_end, basis,
           sum(kg) AS kg
    FROM st GROUP BY ALL
    UNION ALL
    SELECT source, flow, commodity_code, partner, period_start, period_end, basis, sum(kg)
    FROM st WHERE partner IS NOT NULL AND partner <> 'WLD' GROUP BY ALL
),
months AS (
    SELECT source, flow, commodity_code, partner, year(period_start) AS y,
           month(period_start) AS m, sum(kg) AS kg
    FROM sums WHERE basis = 'month' GROUP BY ALL
),
present AS (SELECT DISTINCT source, flow, commodity_code, y, m FROM months),
ytds AS (
    SELECT source, flow, commodity_code, partner, year(period_end) AS y,
           month(period_start) AS start_m, month(period_end) AS through, kg
    FROM sums WHERE basis = 'ytd'
      AND (source, flow, commodity_code, year(period_end), month(period_end)) NOT IN (
          SELECT (source, flow, commodity_code, year, through) FROM ytd_skip)
),
jan_feb AS (
    SELECT source, flow, commodity_code, partner, y, kg FROM ytds
    WHERE start_m = 1 AND through = 2
),
ytd_present AS (SELECT DISTINCT source, flow, commodity_code, y, through FROM ytds),
spans AS (
    SELECT t.*,
        (SELECT count(*) FROM present AS p
         WHERE p.source = t.source AND p.flow = t.flow AND p.commodity_code = t.commodity_code
           AND p.y = t.y AND p.m <= t.through) AS n_all,
        (SELECT count(*) FROM present AS p
         WHERE p.source = t.source AND p.flow = t.flow AND p.commodity_code = t.commodity_code
           AND p.y = t.y AND p.m BETWEEN 3 AND t.through) AS n_from3,
        coalesce((SELECT sum(mo.kg) FROM months AS mo
                  WHERE mo.source = t.source AND mo.flow = t.flow
                    AND mo.commodity_code = t.commodity_code AND mo.partner = t.partner
                    AND mo.y = t.y AND mo.m <= t.through), 0) AS all_kg,
        coalesce((SELECT sum(mo.kg) FROM months AS mo
                  WHERE mo.source = t.source AND mo.flow = t.flow
                    AND mo.commodity_code = t.commodity_code AND mo.partner = t.partner
                    AND mo.y = t.y AND mo.m BETWEEN 3 AND t.through), 0) AS from3_kg,
        jf.kg AS jf_kg
    FROM ytds AS t
    LEFT JOIN jan_feb AS jf USING (source, flow, commodity_code, partner, y)
),
sum_checks AS (
    SELECT 'sum' AS "check", source, flow, commodity_code, partner, y AS year,
           through AS through_month, kg AS ytd_kg,
           CASE WHEN n_all = through THEN all_kg ELSE jf_kg + from3_kg END AS months_kg,
           CASE WHEN n_all = through THEN 'months 1-' || through
                ELSE 'Jan-Feb combined + months 3-' || through END AS months_used
    FROM spans
    WHERE n_all = through OR (through > 2 AND jf_kg IS NOT NULL AND n_from3 = through - 2)
),
step_checks AS (
    SELECT 'step' AS "check", t.source, t.flow, t.commodity_code, t.partner, t.y AS year,
           t.through AS through_month, t.kg AS ytd_kg,
           coalesce(prev.kg, 0) + coalesce(mo.kg, 0) AS months_kg,
           'YTD 1-' || (t.through - 1) || ' + month ' || t.through AS months_used
    FROM ytds AS t
    JOIN ytd_present AS yp ON yp.source = t.source AND yp.flow = t.flow
     AND yp.commodity_code = t.commodity_code AND yp.y = t.y AND yp.through = t.through - 1
    JOIN present AS p ON p.source = t.source AND p.flow = t.flow
     AND p.commodity_code = t.commodity_code AND p.y = t.y AND p.m = t.through
    LEFT JOIN ytds AS prev ON prev.source = t.source AND prev.flow = t.flow
     AND prev.commodity_code = t.commodity_code AND prev.partner = t.partner
     AND prev.y = t.y AND prev.through = t.through - 1
    LEFT JOIN months AS mo ON mo.source = t.source AND mo.flow = t.flow
     AND mo.commodity_code = t.commodity_code AND mo.partner = t.partner
     AND mo.y = t.y AND mo.m = t.through
    WHERE t.through > 1
),
checks AS (SELECT * FROM sum_checks UNION ALL SELECT * FROM step_checks)
SELECT "check", source, flow, commodity_code, partner, year, through_month, ytd_kg,
       months_kg, months_used,
       abs(coalesce(ytd_kg, 0) - months_kg) AS diff_kg,
       core.ytd_tolerance_kg(coalesce(ytd_kg, 0)) AS tolerance_kg,
       abs(coalesce(ytd_kg, 0) - months_kg) - core.ytd_tolerance_kg(coalesce(ytd_kg, 0))
           AS excess_kg,
       false AS explained_by_revision
FROM checks
ORDER BY "check", source, flow, commodity_code, partner, year, through_month;
