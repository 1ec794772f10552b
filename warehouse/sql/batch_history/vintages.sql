-- History (vintage 0) and the batch's documents (1, 2, …) as one relation.
CREATE OR REPLACE TEMP VIEW vintages AS
SELECT release_id, seq, coverage, kg, grain, source, reporter, flow, commodity_code,
       period_start, period_end, basis, partner, source_partner_code, trade_mode, region_code,
       verified
FROM hist
UNION ALL
SELECT release_id, seq, coverage, kg, grain, source, reporter, flow, commodity_code,
       period_start, period_end, basis, partner, source_partner_code, trade_mode, region_code,
       verified
FROM batch_obs;
