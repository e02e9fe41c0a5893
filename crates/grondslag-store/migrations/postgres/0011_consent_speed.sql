-- Decisions read a subject's events from this index (docs/consent.md, "Performance"): it
-- holds every column a decision needs (`LedgerRow` in src/consent.rs), so once VACUUM has
-- marked the pages all-visible (autovacuum does) PostgreSQL scans it index-only. It replaces
-- the index of 0008, whose key columns it keeps.
CREATE INDEX consent_events_decide
    ON consent_events (subject_key, at, seq)
    INCLUDE (type, activity_id, purpose, consent_kind, id);
DROP INDEX consent_events_subject;
