-- Up Migration

-- 1. The plan's column name. workshop_events.received_at (when the service received the event, DEFAULT now()) is
-- the plan's created_at: renamed, so the plan's own verification SQL runs unchanged —
--   SELECT event_type, event_category, created_at, success FROM workshop_events
--   WHERE created_at > NOW() - INTERVAL '1 hour' ORDER BY created_at DESC;
-- occurred_at stays the event's own time (what KPIs and alerts count by). RENAME keeps the data and the default;
-- on the partitioned parent it renames the column of every partition too (partitions cannot rename on their own),
-- and partitions created later copy the parent (LIKE workshop_events, 1730000000005). Column privileges are held
-- by column number, so grafana_reader's SELECT (received_at) of 1730000000011 is now SELECT (created_at).
-- No index on created_at: the table is partitioned and indexed by occurred_at, and the plan's query is a manual
-- check of the last hour; an index would cost every insert for it.
ALTER TABLE workshop_events RENAME COLUMN received_at TO created_at;
COMMENT ON COLUMN workshop_events.created_at IS 'When the service received (stored) the event; occurred_at is when it happened.';
COMMENT ON COLUMN workshop_events.occurred_at IS 'When the event happened (client time, or created_at when the client sent none); KPIs and alerts count by it.';

-- 2. Segments: the workshop's region (workshop_signup_success's metadata.region, or the default mapping from its
-- city: src/catalogue/regions.ts, docs/regions.md), a profile column like city (projection-spec.ts). Existing rows
-- get it by `npm run rebuild-projections`; until then they are NULL, which the dashboards show as "(none)".
ALTER TABLE workshops ADD COLUMN region text;
-- grafana_reader reads workshops by column (1730000000012): region is not personal data.
GRANT SELECT (region) ON workshops TO grafana_reader;

-- 3. grafana_events (1730000000011) gains, at its end (CREATE OR REPLACE VIEW may only append columns):
--   created_at  the plan's column, as the event log has it;
--   rating      session_rated's metadata.rating when it is an integer 1-5 (else NULL), for the beta tracker's
--               average satisfaction; grafana_reader still never reads metadata itself.
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
       workshop_redact(error_message, 200) AS error_summary,           -- failed e-mails: what went wrong
       created_at,
       CASE WHEN event_type = 'session_rated' AND jsonb_typeof(metadata -> 'rating') = 'number'
                 AND (metadata ->> 'rating') IN ('1', '2', '3', '4', '5')
            THEN (metadata ->> 'rating')::integer END AS rating   -- session_rated: 1-5
FROM workshop_events;
COMMENT ON VIEW grafana_events IS 'workshop_events for Grafana (grafana_reader): no IP, user agent, session id or raw metadata; reason, service and error_summary bounded and with e-mail/IP addresses masked; rating of session_rated (1-5).';

-- Down Migration
-- (a view cannot lose columns by CREATE OR REPLACE: dropped and created as 1730000000011 left it)
DROP VIEW grafana_events;
CREATE VIEW grafana_events AS
SELECT id, occurred_at, event_type, event_category, workshop_id, success, invite_id,
       workshop_redact(metadata ->> 'reason', 200) AS reason,
       workshop_redact(metadata ->> 'service', 100) AS service,
       workshop_redact(error_message, 200) AS error_summary
FROM workshop_events;
COMMENT ON VIEW grafana_events IS 'workshop_events for Grafana (grafana_reader): no IP, user agent, session id or raw metadata; reason, service and error_summary bounded and with e-mail/IP addresses masked.';
GRANT SELECT ON grafana_events TO grafana_reader;
ALTER TABLE workshops DROP COLUMN region;
COMMENT ON COLUMN workshop_events.occurred_at IS NULL;
COMMENT ON COLUMN workshop_events.created_at IS NULL;
ALTER TABLE workshop_events RENAME COLUMN created_at TO received_at;
