-- The YTD checks' input after the batch: the state history and every document of the batch add
-- up to (state_of), complete slices only, in the years of lines that publish a YTD figure. A
-- stale cumulative of history is skipped unless the batch publishes it again: then it is the
-- batch's own figure, and checked.
CREATE OR REPLACE TEMP VIEW ytd_state AS
WITH scoped AS (
    SELECT '' AS doc, * FROM vintages
    WHERE (source, flow, commodity_code, year(period_end)) IN (
        SELECT DISTINCT (source, flow, commodity_code, year(period_end))
        FROM vintages WHERE basis = 'ytd')
)
SELECT * EXCLUDE (doc) FROM state_of('scoped') WHERE slice_complete;

CREATE OR REPLACE TEMP VIEW ytd_skip AS
SELECT * FROM stale_ytd
WHERE (source, flow, commodity_code, year, through) NOT IN (
    SELECT DISTINCT (source, flow, commodity_code, year(period_end), month(period_end))
    FROM batch_obs WHERE basis = 'ytd');
