-- The consent ledger (docs/consent.md). Events are only ever appended: nothing in the code
-- updates or deletes a row of consent_events. Subjects are known only by their pseudonymous
-- key (HMAC-SHA256 of the normalised identifier under the server's secret); no identifier is
-- stored in clear.

-- A notice's exact text, stored once, however many people agreed to it.
CREATE TABLE consent_notices (
    -- SHA-256 of the text's UTF-8 bytes, 64 hex digits.
    hash       TEXT PRIMARY KEY,
    id         TEXT NOT NULL,
    version    TEXT NOT NULL,
    language   TEXT NOT NULL,
    text       TEXT NOT NULL,
    stored_at  TEXT NOT NULL
) STRICT;

CREATE TABLE consent_events (
    -- The order in which events were recorded: ties in time keep this order.
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- A UUID: what receipts and deciding_events name.
    id               TEXT NOT NULL UNIQUE,
    subject_key      TEXT NOT NULL,
    -- The scope: an activity's id, a purpose's machine name, or neither (the whole subject).
    activity_id      TEXT,
    purpose          TEXT,
    -- The event type's machine name (consent_given, consent_withdrawn, ...).
    type             TEXT NOT NULL,
    -- explicit or ordinary, for consent_given and consent_renewed.
    consent_kind     TEXT,
    notice_hash      TEXT REFERENCES consent_notices (hash),
    method           TEXT,
    witness          TEXT,
    -- The type's other own fields (grounds, reasons, the objection withdrawn) as JSON.
    details          TEXT,
    -- When it happened.
    at               TEXT NOT NULL,
    recorded_by_kind TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    evidence         TEXT NOT NULL,
    -- When it was recorded.
    recorded_at      TEXT NOT NULL
) STRICT;

-- All events of one subject key in time order.
CREATE INDEX consent_events_subject ON consent_events (subject_key, at, seq);
