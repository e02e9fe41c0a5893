-- The notice of each consent event is checked once a statement instead of once a row.
--
-- As a foreign key, PostgreSQL checked every event's notice_hash with a query of its own
-- (`SELECT 1 FROM consent_notices ... FOR KEY SHARE`): a fifth of the server's time when a
-- batch of thousands of events is written. The same guarantee, checked in one query over
-- the statement's new rows: an event names a stored notice or none, and a stored notice is
-- never deleted or re-keyed (the ledger only appends; receipts cite the text by its hash).
-- The ledger also checks each event's notice before writing (`unknown_reference`); this is
-- the database's own guard behind it. SQLite keeps the foreign key: it checks a row with an
-- index look-up in the same process.

ALTER TABLE consent_events DROP CONSTRAINT consent_events_notice_hash_fkey;

CREATE FUNCTION consent_events_name_stored_notices() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_events n
        WHERE n.notice_hash IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM consent_notices c WHERE c.hash = n.notice_hash)
    ) THEN
        RAISE EXCEPTION 'consent_events.notice_hash names no stored notice'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER consent_events_name_stored_notices
    AFTER INSERT ON consent_events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION consent_events_name_stored_notices();

CREATE FUNCTION consent_notices_are_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent notices are kept: the ledger''s events cite them by hash'
        USING ERRCODE = 'foreign_key_violation';
END
$$;

CREATE TRIGGER consent_notices_are_kept
    BEFORE DELETE OR UPDATE OF hash ON consent_notices
    FOR EACH ROW EXECUTE FUNCTION consent_notices_are_kept();
