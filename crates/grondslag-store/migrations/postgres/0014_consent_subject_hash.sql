-- The index on the subject as a hash index (docs/consent.md, "Performance"). Every event
-- written lands at a random place of this index, since subject keys are uniformly spread. A
-- B-tree entry holds the 64-character key; a hash entry holds a 4-byte hash of it, so the
-- index is about a third of the size and stays in shared buffers. Every query on it asks for
-- whole keys (`=`, `= ANY`); the few rows of a subject are sorted after.
CREATE INDEX consent_events_subject_hash ON consent_events USING hash (subject_key);
DROP INDEX consent_events_subject;
