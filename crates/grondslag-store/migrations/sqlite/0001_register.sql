-- The register, accounts and the audit chain (REG-1, REG-2, SEC-3).
-- Timestamps are RFC 3339 text; JSON documents are text, stored exactly as hashed.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE units (
    seq       INTEGER PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    parent_id TEXT REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    kind      TEXT NOT NULL,
    name_nl   TEXT NOT NULL,
    name_en   TEXT NOT NULL
) STRICT;
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE processors (
    seq     INTEGER PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    country TEXT NOT NULL,
    doc     TEXT NOT NULL
) STRICT;

CREATE TABLE activities (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    unit_id     TEXT NOT NULL REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    name        TEXT NOT NULL,
    search_text TEXT NOT NULL,
    special     INTEGER NOT NULL,
    legal_bases TEXT NOT NULL,
    saved_at    TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    doc         TEXT NOT NULL
) STRICT;
CREATE INDEX activities_unit ON activities (unit_id, name);
CREATE INDEX activities_status ON activities (status, name);
CREATE INDEX activities_name ON activities (name, id);

CREATE TABLE activity_versions (
    activity_id TEXT NOT NULL REFERENCES activities (id) DEFERRABLE INITIALLY DEFERRED,
    version     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    saved_at    TEXT NOT NULL,
    saved_by    TEXT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (activity_id, version)
) STRICT;

-- Terms an activity uses, for filtering the register list.
CREATE TABLE activity_terms (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities (id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (kind, value, activity_id)
) STRICT;
CREATE INDEX activity_terms_activity ON activity_terms (activity_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_entity ON audit_log (entity, entity_id);

-- The head of the chain: one row, updated in the transaction of every write, so writers on
-- several instances queue on it.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
