-- SQLite's stand-in for PostgreSQL's hash index of 0014 (docs/consent.md, "Performance"): the
-- index on the subject holds the first 16 of the key's 64 hex digits (64 bits of an HMAC, so
-- two subjects of a ledger share them about never), a quarter of the entry. Every event written
-- lands at a random page of this index. Queries name `substr(subject_key, 1, 16)` to use it and
-- compare the whole key as well.
CREATE INDEX consent_events_subject_prefix ON consent_events (substr(subject_key, 1, 16));
DROP INDEX consent_events_subject;
