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

/**
 * Epoch seconds (PostgreSQL's date_part('epoch', timestamptz): float8, microseconds) as the milliseconds a JS Date
 * of the same timestamptz holds: whole microseconds first (the float8 is within a fraction of one), then truncated
 * to the millisecond as node-postgres' Date parsing does.
 */
export const epochMs = (seconds: number | null): number | null =>
  seconds === null ? null : Math.floor(Math.round(seconds * 1e6) / 1000);

const epoch = (column: string) => `date_part('epoch', ${column})`;
/** All rows of `columns` from `from` as one JSON array of arrays: one value to parse, not rows × columns. */
const jsonRows = (columns: string, from: string, order = '') =>
  `SELECT coalesce(json_agg(json_build_array(${columns})${order}), '[]') AS rows FROM ${from}`;

// The four reads of GaugeStore.workshops: each row starts with workshop_id; `$n::uuid[] IS NULL OR ...` narrows them.
const WORKSHOPS_SQL = jsonRows(
  `workshop_id, name, city, region, status, ${epoch('submitted_at')}, ${epoch('approved_at')},
   ${epoch('last_dashboard_access_at')}, capacity, profile_completeness`,
  `workshops WHERE ($1::uuid[] IS NULL OR workshop_id = ANY($1))`,
  ' ORDER BY workshop_id', // read in the primary key's order: no sort
);
const MECHANICS_SQL = jsonRows(
  'workshop_id, active, joined',
  `(SELECT workshop_id, count(*) FILTER (WHERE active)::int AS active, count(*)::int AS joined
      FROM mechanics WHERE ($1::uuid[] IS NULL OR workshop_id = ANY($1)) GROUP BY 1) m`,
);
// sent, accepted and resolved among the invitations sent in the 30 days; the latest sent_at among all of them
const INVITATIONS_SQL = jsonRows(
  `workshop_id, sent, accepted, resolved, ${epoch('last_sent_at')}`,
  `(SELECT workshop_id, count(*) FILTER (WHERE sent_at >= $1)::int AS sent,
           count(*) FILTER (WHERE sent_at >= $1 AND accepted_at IS NOT NULL)::int AS accepted,
           count(*) FILTER (WHERE sent_at >= $1 AND (accepted_at IS NOT NULL OR expired_at IS NOT NULL
                                                     OR sent_at <= $3))::int AS resolved,
           max(sent_at) AS last_sent_at
      FROM invitations WHERE sent_at < $2 AND ($4::uuid[] IS NULL OR workshop_id = ANY($4)) GROUP BY 1) i`,
);
// sum(bigint) is numeric (exact, no overflow); float8 reads as a finite JS number
const SESSIONS_SQL = jsonRows(
  'workshop_id, sessions, rev, prev',
  `(SELECT workshop_id, count(*) FILTER (WHERE occurred_at >= $1)::int AS sessions,
           coalesce(sum(revenue_cents) FILTER (WHERE occurred_at >= $1), 0)::float8 AS rev,
           coalesce(sum(revenue_cents) FILTER (WHERE occurred_at < $1), 0)::float8 AS prev
      FROM workshop_events
     WHERE event_type = 'session_completed' AND occurred_at >= $2 AND occurred_at < $3
       AND ($4::uuid[] IS NULL OR workshop_id = ANY($4))
     GROUP BY 1) s`,
);

/** What GaugeStore.changes found: the workshops to read again since a refresh's snapshot. */
export interface WorkshopChanges {
  /** The snapshot the query ran in (pg_current_snapshot() as text): the `since` of the next call. */
  snapshot: string;
  /** Whether every workshop may have changed (a NULL mark: rebuild-projections, or retention dropped events). */
  all: boolean;
  /** The workshops whose rows may differ, in no order; a workshop not among them has the same row as before. */
  ids: string[];
}

// A window [t - d, t] moves from [prev - d, prev] to [now - d, now]: only rows dated between the two edges enter or
// leave it. $1 the previous refresh's snapshot; $2/$3 its nowMs and this one's; $4 INVITE_TTL_DAYS as ms.
const edge = (column: string, offsetMs: string) =>
  `${column} BETWEEN $2::timestamptz - ${offsetMs} AND $3::timestamptz - ${offsetMs}`;
const D30 = `interval '30 days'`;
const D60 = `interval '60 days'`;
const NOW = `interval '0'`;
// the invitations' windows (INVITATIONS_SQL): sent in the 30 days, resolved by the TTL, not in the future
// the sessions' windows (SESSIONS_SQL): the 30 and 60 days, not in the future
const CHANGES_SQL = `
WITH marks AS (
  SELECT workshop_ids FROM workshop_changes
   WHERE xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, $1::pg_snapshot)
),
edges AS (
  SELECT workshop_id FROM invitations
   WHERE ${edge('sent_at', D30)} OR ${edge('sent_at', `$4 * interval '1 millisecond'`)} OR ${edge('sent_at', NOW)}
  UNION ALL
  SELECT workshop_id FROM workshop_events
   WHERE event_type = 'session_completed'
     AND (${edge('occurred_at', D30)} OR ${edge('occurred_at', D60)} OR ${edge('occurred_at', NOW)})
)
SELECT pg_current_snapshot()::text AS snapshot,
       EXISTS (SELECT FROM marks WHERE workshop_ids IS NULL) AS "all",
       ARRAY(SELECT DISTINCT w
               FROM (SELECT unnest(workshop_ids) FROM marks UNION ALL SELECT workshop_id FROM edges) x(w)
              WHERE w IS NOT NULL)::text[] AS ids`;

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

  /**
   * Every workshop with the per-workshop inputs of gauges and the health score, ordered by workshop_id; `id`
   * narrows to one workshop or to a list (a workshop of the list that does not exist has no row). Four reads on
   * separate connections at once (the workshops; the mechanics, invitations and sessions aggregated per workshop),
   * joined here by workshop_id. Each read returns its rows as one JSON value and
   * its timestamps as epoch seconds: at 50,000 workshops, one query joining them took ~0.7 s in the executor and
   * node-postgres ~0.4 s more to parse 50,000 rows × 19 columns with their timestamps as Dates (BENCHMARKS.md,
   * bench:scrape). Each read sees every write committed before the call; a write committed while they run may show
   * in one read and not yet in another (the next refresh has it everywhere).
   */
  async workshops(nowMs: number, id?: string | readonly string[]): Promise<WorkshopRow[]> {
    const one = id === undefined ? null : typeof id === 'string' ? [id] : id;
    const since30d = new Date(nowMs - 30 * DAY);
    const end = new Date(nowMs + 1);
    const [base, mech, inv, sess] = await Promise.all([
      this.rows(WORKSHOPS_SQL, [one]),
      this.rows(MECHANICS_SQL, [one]),
      this.rows(INVITATIONS_SQL, [since30d, end, new Date(nowMs - this.inviteTtlDays * DAY), one]),
      this.rows(SESSIONS_SQL, [since30d, new Date(nowMs - 60 * DAY), end, one]),
    ]);
    const byId = <T>(rows: unknown[][]) => {
      const map = new Map<string, T>();
      for (const r of rows) map.set(r[0] as string, r as T);
      return map;
    };
    const m = byId<[string, number, number]>(mech);
    const i = byId<[string, number, number, number, number]>(inv);
    const s = byId<[string, number, number, number]>(sess);
    return base.map((r) => {
      const workshopId = r[0] as string;
      const mr = m.get(workshopId);
      const ir = i.get(workshopId);
      const sr = s.get(workshopId);
      return {
        workshopId,
        name: r[1] as string | null,
        city: r[2] as string | null,
        region: r[3] as string | null,
        status: r[4] as WorkshopRow['status'],
        submittedAtMs: epochMs(r[5] as number | null),
        approvedAtMs: epochMs(r[6] as number | null),
        lastDashboardAccessMs: epochMs(r[7] as number | null),
        capacity: r[8] as number | null,
        profileCompleteness: r[9] as number | null,
        mechanicsActive: mr?.[1] ?? 0,
        mechanicsJoined: mr?.[2] ?? 0,
        invitesSent30d: ir?.[1] ?? 0,
        invitesAccepted30d: ir?.[2] ?? 0,
        invitesResolved30d: ir?.[3] ?? 0,
        lastInviteMs: ir ? epochMs(ir[4]) : null,
        sessions30d: sr?.[1] ?? 0,
        revenue30dCents: sr?.[2] ?? 0,
        revenuePrev30dCents: sr?.[3] ?? 0,
      };
    });
  }

  /**
   * The current snapshot (pg_current_snapshot() as text), taken before a full read of the workshops: every write it
   * sees is in the reads that follow; GaugeStore.changes(snapshot, ...) finds the others.
   */
  async snapshot(): Promise<string> {
    return (await this.pool.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s')).rows[0]!.s;
  }

  /**
   * The workshops whose rows (GaugeStore.workshops) at `nowMs` may differ from their rows at `sinceNowMs`, read after
   * snapshot `since`: those named by a workshop_changes mark that `since` did not see (a write committed after it,
   * or still in progress then), and those with an invitation or session dated between the two instants' window
   * edges (30 and 60 days back, the invitation TTL, now). Returns the snapshot this query ran in, for the next call:
   * the reads that follow see every write it sees.
   */
  async changes(since: string, sinceNowMs: number, nowMs: number): Promise<WorkshopChanges> {
    const res = await this.pool.query<WorkshopChanges>(CHANGES_SQL, [
      since,
      new Date(sinceNowMs),
      new Date(nowMs),
      this.inviteTtlDays * DAY,
    ]);
    return res.rows[0]!;
  }

  /** Deletes workshop_changes marks older than `olderThanMs` (the hourly job: two hours). */
  async pruneChanges(olderThanMs: number): Promise<number> {
    const res = await this.pool.query(
      `DELETE FROM workshop_changes WHERE marked_at < now() - $1 * interval '1 millisecond'`,
      [olderThanMs],
    );
    return res.rowCount ?? 0;
  }

  /** The rows of a jsonRows query (node-postgres parses json with JSON.parse). */
  private async rows(text: string, values: unknown[]): Promise<unknown[][]> {
    return (await this.pool.query<{ rows: unknown[][] }>(text, values)).rows[0]!.rows;
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
