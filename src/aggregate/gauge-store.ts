/** PostgreSQL reads behind the live KPI gauges (refreshed every minute on every replica). */
import type pg from 'pg';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface WorkshopRow {
  workshopId: string;
  name: string | null;
  city: string | null;
  /** workshops.region: metadata.region or the default mapping from the city (docs/regions.md). */
  region: string | null;
  status: 'pending' | 'active' | 'rejected' | 'suspended' | null;
  submittedAtMs: number | null;
  approvedAtMs: number | null;
  lastDashboardAccessMs: number | null;
  capacity: number | null;
  profileCompleteness: number | null;
  mechanicsActive: number;
  mechanicsJoined: number;
  invitesSent30d: number;
  invitesAccepted30d: number;
  /**
   * Invitations sent in the last 30 days whose outcome is known: accepted, expired, or older than
   * INVITE_TTL_DAYS. Invite acceptance is accepted / resolved, so invitations still open do not count as refused.
   */
  invitesResolved30d: number;
  /** The latest mechanic_invited of the workshop (invitations.sent_at, its occurred_at), ms; null when none. */
  lastInviteMs: number | null;
  sessions30d: number;
  revenue30dCents: number;
  revenuePrev30dCents: number;
}

export interface RollingCounts {
  signupsStarted24h: number;
  signupsCompleted24h: number;
  emailsSent24h: number;
  emailsFailed24h: number;
  /** email_*_sent / email_*_failed events that occurred (occurred_at) in the last hour. */
  emailsSent1h: number;
  emailFailures1h: number;
  /** Decisions in the last 7 days and their average time from first signup success (seconds). */
  approvals7d: number;
  approvalTimeAvg7dSeconds: number | null;
}

export interface JobRow {
  job: string;
  lastSuccessMs: number | null;
  lastDurationSeconds: number | null;
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());

export class GaugeStore {
  /** `inviteTtlDays`: an invitation older than this without acceptance counts as resolved (INVITE_TTL_DAYS). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly inviteTtlDays = 7,
  ) {}

  /** One round trip to PostgreSQL (the database probe); rejects when the database cannot answer. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Every workshop with the per-workshop inputs of gauges and the health score; `id` narrows to one. */
  async workshops(nowMs: number, id?: string): Promise<WorkshopRow[]> {
    const res = await this.pool.query(
      `WITH m AS (SELECT workshop_id, count(*) FILTER (WHERE active)::int AS active, count(*)::int AS joined
                    FROM mechanics WHERE ($4::uuid IS NULL OR workshop_id = $4) GROUP BY 1),
            i AS (SELECT workshop_id, count(*)::int AS sent,
                         count(*) FILTER (WHERE accepted_at IS NOT NULL)::int AS accepted,
                         count(*) FILTER (WHERE accepted_at IS NOT NULL OR expired_at IS NOT NULL
                                             OR sent_at <= $5)::int AS resolved
                    FROM invitations
                   WHERE sent_at >= $1 AND sent_at < $3 AND ($4::uuid IS NULL OR workshop_id = $4) GROUP BY 1),
            li AS (SELECT workshop_id, max(sent_at) AS last_invite_at
                     FROM invitations
                    WHERE sent_at < $3 AND ($4::uuid IS NULL OR workshop_id = $4) GROUP BY 1),
            s AS (SELECT workshop_id, count(*) FILTER (WHERE occurred_at >= $1)::int AS sessions,
                         -- sum(bigint) is numeric (exact, no overflow); float8 reads as a finite JS number
                         coalesce(sum(revenue_cents) FILTER (WHERE occurred_at >= $1), 0)::float8 AS rev,
                         coalesce(sum(revenue_cents) FILTER (WHERE occurred_at < $1), 0)::float8 AS prev
                    FROM workshop_events
                   WHERE event_type = 'session_completed' AND occurred_at >= $2 AND occurred_at < $3
                     AND ($4::uuid IS NULL OR workshop_id = $4)
                   GROUP BY 1)
       SELECT w.workshop_id, w.name, w.city, w.region, w.status, w.submitted_at, w.approved_at,
              w.last_dashboard_access_at, w.capacity,
              w.profile_completeness, coalesce(m.active, 0) AS m_active, coalesce(m.joined, 0) AS m_joined,
              coalesce(i.sent, 0) AS i_sent, coalesce(i.accepted, 0) AS i_accepted,
              coalesce(i.resolved, 0) AS i_resolved, li.last_invite_at,
              coalesce(s.sessions, 0) AS sessions, coalesce(s.rev, 0) AS rev, coalesce(s.prev, 0) AS prev
         FROM workshops w
         LEFT JOIN m USING (workshop_id) LEFT JOIN i USING (workshop_id) LEFT JOIN s USING (workshop_id)
         LEFT JOIN li USING (workshop_id)
        WHERE ($4::uuid IS NULL OR w.workshop_id = $4)`,
      [
        new Date(nowMs - 30 * DAY),
        new Date(nowMs - 60 * DAY),
        new Date(nowMs + 1),
        id ?? null,
        new Date(nowMs - this.inviteTtlDays * DAY),
      ],
    );
    // ordered here, not by ORDER BY: sorting the 50,000 joined rows in PostgreSQL spilled to disk (bench:scrape);
    // text order of the uuids is PostgreSQL's uuid order
    res.rows.sort((a, b) => (a.workshop_id < b.workshop_id ? -1 : a.workshop_id > b.workshop_id ? 1 : 0));
    return res.rows.map((r) => ({
      workshopId: r.workshop_id,
      name: r.name,
      city: r.city,
      region: r.region,
      status: r.status,
      submittedAtMs: ms(r.submitted_at),
      approvedAtMs: ms(r.approved_at),
      lastDashboardAccessMs: ms(r.last_dashboard_access_at),
      capacity: r.capacity,
      profileCompleteness: r.profile_completeness,
      mechanicsActive: r.m_active,
      mechanicsJoined: r.m_joined,
      invitesSent30d: r.i_sent,
      invitesAccepted30d: r.i_accepted,
      invitesResolved30d: r.i_resolved,
      lastInviteMs: ms(r.last_invite_at),
      sessions30d: r.sessions,
      revenue30dCents: Number(r.rev),
      revenuePrev30dCents: Number(r.prev),
    }));
  }

  async rolling(nowMs: number): Promise<RollingCounts> {
    const counts = await this.pool.query<{ t: string; n: number; n1h: number }>(
      `SELECT event_type AS t, count(*)::int AS n, count(*) FILTER (WHERE occurred_at >= $3)::int AS n1h
         FROM workshop_events
        WHERE occurred_at >= $1 AND occurred_at < $2
          AND event_type IN ('workshop_signup_started', 'workshop_signup_success',
                             'email_approval_sent', 'email_rejection_sent', 'email_invite_sent',
                             'email_approval_failed', 'email_rejection_failed', 'email_invite_failed')
        GROUP BY 1`,
      [new Date(nowMs - DAY), new Date(nowMs + 1), new Date(nowMs - HOUR)],
    );
    const sum = (pred: (t: string) => boolean, col: 'n' | 'n1h') =>
      counts.rows.filter((r) => pred(r.t)).reduce((s, r) => s + r[col], 0);
    const n = (pred: (t: string) => boolean) => sum(pred, 'n');
    const sent = (t: string) => t.startsWith('email_') && t.endsWith('_sent');
    const failed = (t: string) => t.startsWith('email_') && t.endsWith('_failed');
    const approvals = await this.pool.query<{ n: number; avg: string | null }>(
      `SELECT count(*)::int AS n, avg(extract(epoch FROM e.occurred_at - w.submitted_at)) AS avg
         FROM workshop_events e JOIN workshops w ON w.workshop_id = e.workshop_id
        WHERE e.event_type IN ('workshop_approved', 'workshop_rejected') AND e.occurred_at >= $1 AND e.occurred_at < $2
          AND w.submitted_at IS NOT NULL`,
      [new Date(nowMs - 7 * DAY), new Date(nowMs + 1)],
    );
    const a = approvals.rows[0]!;
    return {
      signupsStarted24h: n((t) => t === 'workshop_signup_started'),
      signupsCompleted24h: n((t) => t === 'workshop_signup_success'),
      emailsSent24h: n(sent),
      emailsFailed24h: n(failed),
      emailsSent1h: sum(sent, 'n1h'),
      emailFailures1h: sum(failed, 'n1h'),
      approvals7d: a.n,
      approvalTimeAvg7dSeconds: a.avg === null ? null : Number(a.avg),
    };
  }

  async jobs(): Promise<JobRow[]> {
    const res = await this.pool.query(
      `SELECT job, last_success_at, last_duration_seconds FROM aggregator_jobs ORDER BY job`,
    );
    return res.rows.map((r) => ({
      job: r.job,
      lastSuccessMs: ms(r.last_success_at),
      lastDurationSeconds: r.last_duration_seconds,
    }));
  }
}
