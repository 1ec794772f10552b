-- The batch beside history: its documents in load order (seq 1, 2, …; history is vintage 0)
-- and its rows with what the checks read, by series (a preliminary figure is an early vintage
-- of the bulletin's series) and with each vintage's rank in its series (core.latest's rule,
-- warehouse/views). Reads the Arrow tables batch_arrow and batch_docs_arrow registered by
-- warehouse.batch_history.BatchHistory.
CREATE OR REPLACE TEMP TABLE batch_docs AS FROM batch_docs_arrow;

CREATE OR REPLACE TEMP TABLE batch_obs AS
SELECT o.release_id, d.seq, d.coverage, o.kg, o.grain,
       core.series_source(o.source) AS source, o.reporter, o.flow, o.commodity_code,
       o.period_start, o.period_end, o.basis,
       o.partner, o.source_partner_code, o.trade_mode, o.region_code,
       core.source_rank(o.source) AS verified
FROM batch_arrow AS o
JOIN batch_docs AS d USING (release_id);
