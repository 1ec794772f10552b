-- (series, flow, line, year, through month) of every YTD figure in the batch.
SELECT DISTINCT source, flow, commodity_code, year(period_end) AS year,
       month(period_end) AS through
FROM batch_obs
WHERE basis = 'ytd';
