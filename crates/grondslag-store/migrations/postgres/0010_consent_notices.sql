-- Managed consent notices (docs/consent.md, "Publishing a consent notice"). Each notice has a
-- stable id (its slug) and versions; a version is a draft until it is published, and then its
-- texts never change again: an edit makes a new version. Consents refer to the exact text by
-- its SHA-256, stored in consent_notices when a version is published.
CREATE TABLE consent_notice_versions (
    notice_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    -- The register activity the consent is asked for.
    activity_id  TEXT NOT NULL,
    -- Whether the notice asks explicit consent (LAW-5, GDPR 9(2)(a)).
    explicit     BOOLEAN NOT NULL,
    text_nl      TEXT NOT NULL,
    text_en      TEXT NOT NULL,
    -- draft, published or retired.
    status       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    published_at TIMESTAMPTZ,
    retired_at   TIMESTAMPTZ,
    PRIMARY KEY (notice_id, version)
);
-- At most one version of a notice is served at a time.
CREATE UNIQUE INDEX consent_notice_versions_published
    ON consent_notice_versions (notice_id) WHERE status = 'published';

-- Double opt-in of the hosted form: a consent or withdrawal waits here until the link in the
-- e-mail is followed. Only the link token's SHA-256 and the subject key are kept, never the
-- address; a row is used once and is gone after 48 hours.
CREATE TABLE consent_form_confirmations (
    token_hash  TEXT PRIMARY KEY,
    notice_id   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    -- give or withdraw.
    action      TEXT NOT NULL,
    -- The language of the text the visitor read: nl or en.
    language    TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_form_confirmations_created ON consent_form_confirmations (created_at);
