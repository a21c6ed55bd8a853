-- Up Migration

-- grafana_reader (1730000000003) no longer reads what may identify a person or carry secrets from the event log:
-- ip_address, user_agent, metadata (free-form, e.g. names, notes) and error_message (SMTP errors quote addresses)
-- — nor session_id, which in the source apps can be a live session credential. It keeps SELECT on the other
-- columns of workshop_events (column privileges), and what the dashboards need from the hidden ones comes through
-- the view grafana_events, bounded and with e-mail and IP addresses masked.

REVOKE SELECT ON workshop_events FROM grafana_reader;
GRANT SELECT (id, occurred_at, received_at, event_type, event_category, workshop_id, user_id, mechanic_id, admin_id,
              success, duration_ms, invite_id, revenue_cents)
  ON workshop_events TO grafana_reader;

-- Free text as a dashboard may show it: the first line, e-mail and IP addresses masked, at most `max_chars`.
CREATE OR REPLACE FUNCTION workshop_redact(t text, max_chars integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.left(
    pg_catalog.regexp_replace(
      pg_catalog.regexp_replace(
        pg_catalog.regexp_replace(pg_catalog.split_part(t, E'\n', 1), '[^[:space:]<>"(),;:@]+@[^[:space:]<>"(),;:@]+', '<email>', 'g'),
        '\m[0-9]{1,3}(\.[0-9]{1,3}){3}\M', '<ip>', 'g'),
      '\m[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){3,7}\M', '<ip>', 'g'),
    max_chars)
$$;

-- The events as Grafana reads them. Owned by the migrator, so it reads metadata and error_message for the
-- reader without granting them. Later projections (e.g. region) are added here the same way.
CREATE OR REPLACE VIEW grafana_events AS
SELECT id,
       occurred_at,
       event_type,
       event_category,
       workshop_id,
       success,
       invite_id,
       workshop_redact(metadata ->> 'reason', 200) AS reason,          -- rejection / suspension reasons
       workshop_redact(metadata ->> 'service', 100) AS service,        -- session_completed: the service done
       workshop_redact(error_message, 200) AS error_summary            -- failed e-mails: what went wrong
FROM workshop_events;
COMMENT ON VIEW grafana_events IS 'workshop_events for Grafana (grafana_reader): no IP, user agent, session id or raw metadata; reason, service and error_summary bounded and with e-mail/IP addresses masked.';

GRANT SELECT ON grafana_events TO grafana_reader;

-- Reapply grafana_reader's defence in depth (read-only transactions, 30 s per statement) whatever happened to the
-- role since it was created: a DBA-created role, or settings reset by hand.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'grafana_reader') THEN
    RETURN;
  END IF;
  ALTER ROLE grafana_reader SET default_transaction_read_only = on;
  ALTER ROLE grafana_reader SET statement_timeout = '30s';
EXCEPTION WHEN insufficient_privilege THEN
  IF (SELECT count(*) FROM pg_db_role_setting s, unnest(s.setconfig) c
      WHERE s.setrole = 'grafana_reader'::regrole AND s.setdatabase = 0
        AND c IN ('default_transaction_read_only=on', 'statement_timeout=30s')) < 2 THEN
    RAISE EXCEPTION '% may not set grafana_reader''s read-only and statement_timeout settings', current_user
      USING HINT = 'as a role with CREATEROLE: ALTER ROLE grafana_reader SET default_transaction_read_only = on; '
                   'ALTER ROLE grafana_reader SET statement_timeout = ''30s''; then migrate again';
  END IF;
END $$;

-- Down Migration
DROP VIEW grafana_events;
DROP FUNCTION workshop_redact(text, integer);
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'grafana_reader') THEN
    REVOKE SELECT ON workshop_events FROM grafana_reader;
    GRANT SELECT ON workshop_events TO grafana_reader;
  END IF;
END $$;
