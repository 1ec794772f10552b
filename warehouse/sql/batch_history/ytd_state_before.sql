-- The YTD checks' input before the batch: history's complete slices in the years of lines that
-- publish a YTD figure, skipping stale cumulatives (stale_cumulatives.sql).
CREATE OR REPLACE TEMP VIEW ytd_state AS
SELECT * FROM hist
WHERE coverage = 'full'
  AND (source, flow, commodity_code, year(period_end)) IN (
      SELECT DISTINCT (source, flow, commodity_code, year(period_end))
      FROM hist WHERE basis = 'ytd');

CREATE OR REPLACE TEMP VIEW ytd_skip AS FROM stale_ytd;
