/**
 * The reference: the replayed gauges computed as of an instant T straight from the event log (workshop_events,
 * occurred_at <= T), by the same rules as the projections (src/ingest/projection-spec.ts) and the live gauge SQL
 * (src/aggregate/gauge-store.ts), with T in place of now(). One query per instant: slow on long ranges, which is
 * why the backtest replays the log incrementally (gauge-replay.ts); the tests compare the two at many instants.
 */
import type pg from 'pg';
import type { AsOfGauges, AsOfStatus, AsOfWorkshop } from './as-of-gauges.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ms = (d: Date | null) => (d === null ? null : d.getTime());

const WORKSHOPS_SQL = `
WITH ev AS (SELECT * FROM workshop_events WHERE occurred_at <= $1 AND workshop_id IS NOT NULL),
w AS (
  SELECT workshop_id,
         min(occurred_at) FILTER (WHERE event_type = 'workshop_signup_success') AS submitted_at,
         min(occurred_at) FILTER (WHERE event_type = 'workshop_approved') AS approved_at,
         min(occurred_at) FILTER (WHERE event_type = 'workshop_rejected') AS rejected_at,
         max(occurred_at) FILTER (WHERE event_type = 'workshop_dashboard_accessed') AS last_access,
         (array_agg(event_type ORDER BY occurred_at DESC, id DESC)
            FILTER (WHERE event_type IN ('workshop_approved', 'workshop_suspended', 'workshop_reactivated')))[1]
           AS status_event,
         (array_agg(CASE WHEN jsonb_typeof(metadata -> 'capacity') = 'number'
                         THEN round((metadata ->> 'capacity')::numeric)::int END ORDER BY occurred_at DESC, id DESC)
            FILTER (WHERE event_type = 'workshop_signup_success'))[1] AS capacity,
         count(*) FILTER (WHERE event_type = 'session_completed' AND occurred_at >= $2)::int AS sessions
    FROM ev GROUP BY 1),
inv AS (
  SELECT invite_id,
         (array_agg(workshop_id ORDER BY occurred_at, id))[1] AS workshop_id,
         min(occurred_at) FILTER (WHERE event_type = 'mechanic_invited') AS sent_at,
         min(occurred_at) FILTER (WHERE event_type = 'mechanic_invite_accepted') AS accepted_at,
         min(occurred_at) FILTER (WHERE event_type = 'mechanic_invite_expired') AS expired_at
    FROM ev WHERE event_category = 'invitation' AND invite_id IS NOT NULL GROUP BY 1),
i AS (
  SELECT workshop_id,
         count(*) FILTER (WHERE sent_at >= $2 AND accepted_at IS NOT NULL)::int AS accepted,
         count(*) FILTER (WHERE sent_at >= $2 AND (accepted_at IS NOT NULL OR expired_at IS NOT NULL
                                                   OR sent_at <= $3))::int AS resolved,
         max(sent_at) AS last_invite
    FROM inv GROUP BY 1),
mech AS (
  SELECT workshop_id, mechanic_id,
         (array_agg(event_type ORDER BY occurred_at DESC, id DESC))[1] AS last_event
    FROM ev WHERE mechanic_id IS NOT NULL AND event_type IN ('mechanic_invite_accepted', 'mechanic_removed')
   GROUP BY 1, 2),
m AS (SELECT workshop_id, count(*) FILTER (WHERE last_event = 'mechanic_invite_accepted')::int AS active
        FROM mech GROUP BY 1)
SELECT w.*, coalesce(i.accepted, 0) AS accepted, coalesce(i.resolved, 0) AS resolved, i.last_invite,
       coalesce(m.active, 0) AS m_active
  FROM w LEFT JOIN i USING (workshop_id) LEFT JOIN m USING (workshop_id)
 ORDER BY w.workshop_id`;

const ROLLING_SQL = `
SELECT count(*) FILTER (WHERE event_type = 'workshop_signup_started')::int AS started,
       count(*) FILTER (WHERE event_type = 'workshop_signup_success')::int AS completed,
       count(*) FILTER (WHERE event_type LIKE 'email\\_%\\_sent')::int AS sent,
       count(*) FILTER (WHERE event_type LIKE 'email\\_%\\_failed')::int AS failed,
       count(*) FILTER (WHERE event_type LIKE 'email\\_%\\_failed' AND occurred_at >= $3)::int AS failed_1h
  FROM workshop_events
 WHERE occurred_at >= $2 AND occurred_at <= $1
   AND event_type IN ('workshop_signup_started', 'workshop_signup_success',
                      'email_approval_sent', 'email_rejection_sent', 'email_invite_sent',
                      'email_approval_failed', 'email_rejection_failed', 'email_invite_failed')`;

const APPROVALS_SQL = `
WITH s AS (SELECT workshop_id, min(occurred_at) AS submitted_at FROM workshop_events
            WHERE event_type = 'workshop_signup_success' AND occurred_at <= $1 GROUP BY 1)
SELECT count(*)::int AS n, avg(extract(epoch FROM e.occurred_at - s.submitted_at))::float8 AS avg
  FROM workshop_events e JOIN s USING (workshop_id)
 WHERE e.event_type IN ('workshop_approved', 'workshop_rejected') AND e.occurred_at >= $2 AND e.occurred_at <= $1`;

function statusOf(r: {
  approved_at: Date | null;
  rejected_at: Date | null;
  submitted_at: Date | null;
  status_event: string | null;
}): AsOfStatus | null {
  if (r.approved_at) return r.status_event === 'workshop_suspended' ? 'suspended' : 'active';
  if (r.rejected_at) return 'rejected';
  return r.submitted_at ? 'pending' : null;
}

export class AsOfGaugeStore {
  constructor(
    private readonly db: Pick<pg.ClientBase, 'query'>,
    private readonly inviteTtlDays = 7,
  ) {}

  /** The gauges as of `atMs` (events with occurred_at <= atMs). */
  async gaugesAt(atMs: number): Promise<AsOfGauges> {
    const at = new Date(atMs);
    const ws = await this.db.query(WORKSHOPS_SQL, [
      at,
      new Date(atMs - 30 * DAY),
      new Date(atMs - this.inviteTtlDays * DAY),
    ]);
    const workshops: AsOfWorkshop[] = ws.rows.map((r) => ({
      workshopId: r.workshop_id,
      status: statusOf(r),
      submittedAtMs: ms(r.submitted_at),
      approvedAtMs: ms(r.approved_at),
      lastAccessMs: ms(r.last_access),
      lastInviteMs: ms(r.last_invite),
      invitesAccepted30d: r.accepted,
      invitesResolved30d: r.resolved,
      mechanicsActive: r.m_active,
      capacity: r.capacity,
      sessions30d: r.sessions,
    }));
    const roll = (await this.db.query(ROLLING_SQL, [at, new Date(atMs - DAY), new Date(atMs - HOUR)])).rows[0];
    const appr = (await this.db.query(APPROVALS_SQL, [at, new Date(atMs - 7 * DAY)])).rows[0];
    return {
      atMs,
      workshops,
      rolling: {
        signupsStarted24h: roll.started,
        signupsCompleted24h: roll.completed,
        emailsSent24h: roll.sent,
        emailsFailed24h: roll.failed,
        emailFailures1h: roll.failed_1h,
        approvals7d: appr.n,
        approvalTimeAvg7dSeconds: appr.avg === null ? null : Number(appr.avg),
      },
    };
  }
}
