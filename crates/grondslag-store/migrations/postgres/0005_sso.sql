-- Single sign-on with OpenID Connect (issue 3): the provider's identity of each account that
-- signed in through it, sign-ins under way, and where each role came from.
CREATE TABLE user_identities (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issuer, subject)
);

-- A sign-in between the redirect to the provider and its return, for ten minutes at most.
-- Looked up by the hash of its state parameter; any instance can finish what another began.
CREATE TABLE sso_logins (
    state_hash    TEXT PRIMARY KEY,
    pkce_verifier TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    next          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- 'local': given by an administrator; 'sso': from the provider's claims, replaced at each sign-in.
ALTER TABLE user_grants ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
