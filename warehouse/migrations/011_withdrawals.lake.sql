-- The lake's step to 011: a lake has no CHECK constraints (the application checks statuses),
-- so raw.releases and meta.quarantine_reviews keep their rows as they are; the derived step
-- adds meta.withdrawn_observations.
SELECT 1;
