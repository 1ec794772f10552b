-- What history the batch can touch: its series, flows, lines, first month and last year.
SELECT list(DISTINCT source) AS sources, list(DISTINCT flow) AS flows,
       list(DISTINCT commodity_code) AS codes, min(period_start) AS first_month,
       max(year(period_end)) AS last_year
FROM batch_obs;
