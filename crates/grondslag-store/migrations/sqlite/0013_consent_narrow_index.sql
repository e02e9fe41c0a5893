-- A narrower index on the subject (docs/consent.md, "Performance"). Decisions come from the
-- consent index in memory; the covering index of 0011 (190 bytes an entry) only spared the
-- database's fall-back a table look-up per event, and every event written lands at a random
-- page of it. This one keeps the key columns: the pages an ingest dirties hold twice the
-- entries and split half as often.
CREATE INDEX consent_events_subject ON consent_events (subject_key, at, seq);
DROP INDEX consent_events_decide;
