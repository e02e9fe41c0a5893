-- Requests that came in through OpenDSR (docs/api.md, "OpenDSR"): the submitter's
-- subject_request_id beside our request. The id is the key, so a second submission of it
-- never makes a second request, and status lookups and cancellations find ours.
CREATE TABLE opendsr_requests (
    subject_request_id   TEXT PRIMARY KEY,
    request_id           TEXT NOT NULL UNIQUE REFERENCES requests (id) ON DELETE CASCADE,
    -- access, portability or erasure, as submitted.
    subject_request_type TEXT NOT NULL,
    -- Who submitted it: the actor of the API token (token:NAME), OpenDSR's controller_id.
    controller_id        TEXT NOT NULL,
    submitted_time       TEXT NOT NULL,
    received_time        TEXT NOT NULL,
    -- The status_callback_urls of the request, as a JSON array. Kept for the record; no
    -- callbacks are sent yet (docs/api.md).
    status_callback_urls TEXT NOT NULL,
    api_version          TEXT
) STRICT;
