-- Data-subject requests (RU ch. 4; DSR-1 to DSR-6). The request itself is a JSON document
-- (grondslag_domain::requests::Request); the columns beside it are what the queue sorts,
-- filters and counts by. Dates are ISO text (YYYY-MM-DD) on both databases.
CREATE TABLE requests (
    id          TEXT PRIMARY KEY,
    reference   TEXT NOT NULL UNIQUE,
    year        INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    state       TEXT NOT NULL,
    is_open     INTEGER NOT NULL,
    received_on TEXT NOT NULL,
    -- The deadline that applies now: one month, or three once extended.
    due_on      TEXT NOT NULL,
    handler     TEXT,
    -- The last day the handler was reminded of the deadline (one reminder a day at most).
    reminded_on TEXT,
    name        TEXT NOT NULL,
    email       TEXT,
    doc         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (year, number)
) STRICT;
CREATE INDEX requests_queue ON requests (is_open, due_on);
CREATE INDEX requests_received ON requests (received_on);

-- The rights each request asks for, for the statistics per type and month.
CREATE TABLE request_rights (
    request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    "right"    TEXT NOT NULL,
    PRIMARY KEY (request_id, "right")
) STRICT;

-- The request's timeline: every step, who took it and when. The audit log has the same
-- with before and after; this is what the request page shows.
CREATE TABLE request_events (
    id         INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    state      TEXT NOT NULL,
    detail     TEXT NOT NULL
) STRICT;
CREATE INDEX request_events_request ON request_events (request_id, id);

-- Requests from the public form that wait for the e-mail code (DSR-2). Only the code's hash
-- is kept; a pending request is gone after an hour or five wrong codes.
CREATE TABLE pending_requests (
    token_hash TEXT PRIMARY KEY,
    input      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Where reminders about requests go: the handler's e-mail address.
ALTER TABLE users ADD COLUMN email TEXT;

-- Code e-mails sent by the public form, to throttle it per client address and per
-- recipient (whose address is kept only as its SHA-256). Rows older than an hour are
-- deleted as new ones come.
CREATE TABLE request_code_sends (
    id             INTEGER PRIMARY KEY,
    address        TEXT NOT NULL,
    recipient_hash TEXT NOT NULL,
    at             TEXT NOT NULL
) STRICT;
CREATE INDEX request_code_sends_address ON request_code_sends (address, at);
CREATE INDEX request_code_sends_recipient ON request_code_sends (recipient_hash, at);
