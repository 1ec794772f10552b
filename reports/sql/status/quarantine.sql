-- Documents held back by validation and not yet reviewed (released or dropped), newest first;
-- total: how many there are in all (the list is cut to the first few).
SELECT release_id, source, coalesce(file_name, '') AS file_name, period_start, period_end,
       ingested_at, coalesce(message, '') AS message, count(*) OVER () AS total
FROM raw.releases
WHERE status = 'quarantined'
ORDER BY load_seq DESC
LIMIT 20
