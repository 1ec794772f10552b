-- For each (document, slice it publishes): the state just before it (history and the batch's
-- earlier documents) and just after it. Only contested slices have a prior state: those history
-- holds and those more than one document of the batch publishes. A slice only one document
-- brings is new, so it restates nothing and lacks nothing, and most of a month's slices are
-- like that.
CREATE OR REPLACE TEMP TABLE doc_slices AS
WITH contested AS (
    SELECT DISTINCT source, reporter, flow, commodity_code, period_start, period_end, basis
    FROM hist
    UNION
    SELECT source, reporter, flow, commodity_code, period_start, period_end, basis
    FROM batch_obs GROUP BY ALL HAVING count(DISTINCT release_id) > 1
)
SELECT DISTINCT release_id AS doc, seq AS doc_seq, coverage AS doc_coverage, grain AS doc_grain,
       source, reporter, flow, commodity_code, period_start, period_end, basis
FROM batch_obs
SEMI JOIN contested
    USING (source, reporter, flow, commodity_code, period_start, period_end, basis);

-- One join of the batch with the contested slices (it scans every row of the batch); the state
-- before each document is a subset of the state up to it.
CREATE OR REPLACE TEMP TABLE upto_vintages AS
SELECT d.doc, d.doc_seq, v.*
FROM doc_slices AS d
JOIN vintages AS v
    USING (source, reporter, flow, commodity_code, period_start, period_end, basis)
WHERE v.seq <= d.doc_seq
  AND v.commodity_code IN (SELECT DISTINCT commodity_code FROM doc_slices);

CREATE OR REPLACE TEMP TABLE prior_vintages AS
SELECT * FROM upto_vintages WHERE seq < doc_seq;

CREATE OR REPLACE TEMP TABLE prior_state AS SELECT * FROM state_of('prior_vintages');

CREATE OR REPLACE TEMP TABLE upto_state AS SELECT * FROM state_of('upto_vintages');
