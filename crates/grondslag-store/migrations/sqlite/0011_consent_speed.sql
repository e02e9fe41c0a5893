-- Decisions read a subject's events from this index alone (docs/consent.md, "Performance"):
-- it holds every column a decision needs (`LedgerRow` in src/consent.rs), so SQLite does not
-- look each event up in the table. It replaces the index of 0008, whose columns it starts with.
CREATE INDEX consent_events_decide
    ON consent_events (subject_key, at, seq, type, activity_id, purpose, consent_kind, id);
DROP INDEX consent_events_subject;
