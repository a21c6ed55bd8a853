-- Up Migration

-- Which workshops' gauge inputs changed, by which transaction: the aggregator's gauge refresh re-reads only those
-- (src/aggregate/gauge-refresher.ts) instead of every workshop every minute.
--
-- The ingest flush appends one row per flush in its own statement: the distinct workshop ids of its events, and the
-- workshops that owned the invitations it touches before it (an invitation's workshop is its first event's), so a
-- flush that touches no workshop writes nothing. `xid` is the writing transaction (64-bit, never wraps).
-- `workshop_ids` NULL means "every workshop": rebuild-projections and the retention job write that.
--
-- A refresh remembers the snapshot (pg_current_snapshot()) its reads started after. The next one re-reads the
-- workshops of every row whose transaction that snapshot did not see — whether it committed later or was still in
-- progress then — so no commit order or clock can hide a change: `xid >= pg_snapshot_xmin(previous)` (the index)
-- AND NOT pg_visible_in_snapshot(xid, previous). Append-only, no unique key: flushes never wait on each other here.
-- The hourly job deletes rows older than two hours; a refresher whose snapshot is older than one hour reads every
-- workshop instead (GaugeRefresher).
CREATE TABLE workshop_changes (
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  workshop_ids uuid[],
  marked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workshop_changes_xid ON workshop_changes (xid);
-- Default privileges (1730000000010) already give it to workshop_app; said here as well, for the reader of this file.
GRANT SELECT, INSERT, UPDATE, DELETE ON workshop_changes TO workshop_app;

-- Invitations that enter or leave a time window between two refreshes (sent 30 days or INVITE_TTL_DAYS ago, or
-- dated in the future and now current) change their workshop's gauges without any write: the refresh finds them by
-- sent_at (without the index, a scan of every invitation each minute: ~0.2 s at 50,000 workshops). A plain CREATE
-- INDEX (SQL migrations run in a transaction, so not CONCURRENTLY): invitations has one row per invitation, and the
-- build holds its writes back for well under a second at 50,000 workshops (~250,000 invitations).
CREATE INDEX invitations_sent_at_idx ON invitations (sent_at) INCLUDE (workshop_id);

-- Down Migration
DROP INDEX invitations_sent_at_idx;
DROP TABLE workshop_changes;
