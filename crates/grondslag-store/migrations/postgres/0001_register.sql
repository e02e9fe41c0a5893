-- The register, accounts and the audit chain (REG-1, REG-2, SEC-3).
-- JSON documents are text, stored exactly as hashed.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id        TEXT NOT NULL UNIQUE,
    parent_id TEXT REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    kind      TEXT NOT NULL,
    name_nl   TEXT NOT NULL,
    name_en   TEXT NOT NULL
);
CREATE INDEX units_parent ON units (parent_id);

CREATE TABLE processors (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id      TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    country TEXT NOT NULL,
    doc     TEXT NOT NULL
);

CREATE TABLE activities (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    unit_id     TEXT NOT NULL REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,
    name        TEXT NOT NULL,
    search_text TEXT NOT NULL,
    special     BOOLEAN NOT NULL,
    legal_bases TEXT NOT NULL,
    saved_at    TIMESTAMPTZ NOT NULL,
    saved_by    TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX activities_unit ON activities (unit_id, name);
CREATE INDEX activities_status ON activities (status, name);
CREATE INDEX activities_name ON activities (name, id);

CREATE TABLE activity_versions (
    activity_id TEXT NOT NULL REFERENCES activities (id) DEFERRABLE INITIALLY DEFERRED,
    version     BIGINT NOT NULL,
    status      TEXT NOT NULL,
    saved_at    TIMESTAMPTZ NOT NULL,
    saved_by    TEXT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (activity_id, version)
);

-- Terms an activity uses, for filtering the register list.
CREATE TABLE activity_terms (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities (id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (kind, value, activity_id)
);
CREATE INDEX activity_terms_activity ON activity_terms (activity_id);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log (entity, entity_id);

-- The head of the chain: one row, updated in the transaction of every write, so writers on
-- several instances queue on it.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
