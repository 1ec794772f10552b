-- The last recorded run of each flow (meta.runs), newest first.
SELECT flow, run_id, run_name, state, started_at, ended_at, documents, loaded, unchanged,
       quarantined, refused, rows_loaded
FROM meta.runs
QUALIFY row_number() OVER (PARTITION BY flow ORDER BY ended_at DESC, started_at DESC) = 1
ORDER BY ended_at DESC
