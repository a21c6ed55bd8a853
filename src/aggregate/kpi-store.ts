/** PostgreSQL reads and writes of the KPI aggregator. */
import type pg from 'pg';
import { KPI_COLUMNS, type KpiColumn, type KpiValues } from './kpi-definitions.js';
import { LIFECYCLE_TYPES, type LifecycleEvent } from './state-sweep.js';

export const METRIC_TYPES = ['daily', 'weekly', 'monthly'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface Window {
  /** The day, the Monday of the week, or the first day of the month (YYYY-MM-DD, local to the time zone). */
  date: string;
  startMs: number;
  endMs: number;
}

export interface DayTypeCount {
  day: string;
  type: string;
  n: number;
  failures: number;
  revenueCents: number;
  /** Sum of duration_ms (read for page_viewed: page load time). */
  durationMs: number;
  /** Sum of metadata.rating of session_rated events (0 for other types). */
  ratingSum: number;
}

export interface StoredKpiRow extends KpiValues {
  metric_date: string;
  metric_type: MetricType;
  window_start: string;
  window_end: string;
  time_zone: string;
  computed_at: string;
}

const NUMERIC = new Set<KpiColumn>([
  'signup_conversion_rate',
  'avg_approval_time_hours',
  'median_approval_time_hours',
  'invite_acceptance_rate',
  'email_success_rate',
  'avg_mechanics_per_workshop',
  'api_success_rate',
  'revenue_cents',
  'approval_rate',
  'pct_workshops_with_mechanics',
  'avg_invite_to_signup_hours',
  'avg_satisfaction',
]);

/** workshop_metrics columns of type bigint, and that type's maximum. */
const BIGINT_COLUMNS = new Set<string>(['revenue_cents']);
const BIGINT_MAX = '9223372036854775807';

export class KpiStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Local-midnight boundaries of each window (days, ISO weeks or calendar months) in `tz`; DST makes days 23 or
   * 25 hours.
   */
  async windows(dates: readonly string[], type: MetricType, tz: string): Promise<Window[]> {
    const length = type === 'daily' ? '1 day' : type === 'weekly' ? '7 days' : '1 month';
    const res = await this.pool.query<{ date: string; s: Date; e: Date }>(
      `SELECT to_char(d, 'YYYY-MM-DD') AS date,
              (d::timestamp AT TIME ZONE $2) AS s,
              ((d::timestamp + $3::interval) AT TIME ZONE $2) AS e
         FROM unnest($1::date[]) AS d ORDER BY d`,
      [dates, tz, length],
    );
    return res.rows.map((r) => ({ date: r.date, startMs: r.s.getTime(), endMs: r.e.getTime() }));
  }

  /** Events per local day and type in [startMs, endMs): count, failures, revenue, durations, ratings. */
  async dayTypeCounts(startMs: number, endMs: number, tz: string): Promise<DayTypeCount[]> {
    // group by the local date first and format only the groups (to_char per row doubled the scan time);
    // metadata (jsonb) is only read for the rows of session_rated (a rating validation let through is a number; the
    // type check keeps any other history from breaking the read)
    const res = await this.pool.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, type, n, failures, revenue, duration, rating FROM (
         SELECT (occurred_at AT TIME ZONE $3)::date AS day, event_type AS type,
                count(*)::int AS n, count(*) FILTER (WHERE NOT success)::int AS failures,
                coalesce(sum(revenue_cents), 0)::float8 AS revenue, -- numeric sum: cannot overflow a read
                coalesce(sum(duration_ms), 0)::float8 AS duration,
                coalesce(sum((metadata ->> 'rating')::numeric)
                  FILTER (WHERE event_type = 'session_rated' AND jsonb_typeof(metadata -> 'rating') = 'number'), 0)
                  ::float8 AS rating
           FROM workshop_events
          WHERE occurred_at >= $1 AND occurred_at < $2
          GROUP BY 1, 2) g`,
      [new Date(startMs), new Date(endMs), tz],
    );
    return res.rows.map((r) => ({
      day: r.day,
      type: r.type,
      n: r.n,
      failures: r.failures,
      revenueCents: Number(r.revenue),
      durationMs: Number(r.duration),
      ratingSum: Number(r.rating),
    }));
  }

  /** How many mechanic_invited events happened before `endMs` (all time). */
  async invitedBefore(endMs: number): Promise<number> {
    const res = await this.pool.query<{ n: number }>(
      `SELECT count(*)::float8 AS n FROM workshop_events WHERE event_type = 'mechanic_invited' AND occurred_at < $1`,
      [new Date(endMs)],
    );
    return Number(res.rows[0]!.n);
  }

  /**
   * mechanic_invite_accepted events in [startMs, endMs) whose invite_id was invited, with the ms since that
   * invitation's earliest mechanic_invited (invitations.sent_at: the earliest, whenever it arrived).
   */
  async inviteAcceptances(startMs: number, endMs: number): Promise<Array<{ atMs: number; durationMs: number }>> {
    const res = await this.pool.query<{ at: Date; ms: string }>(
      `SELECT e.occurred_at AS at, round(extract(epoch FROM e.occurred_at - i.sent_at) * 1000) AS ms
         FROM workshop_events e JOIN invitations i ON i.invite_id = e.invite_id
        WHERE e.event_type = 'mechanic_invite_accepted'
          AND e.occurred_at >= $1 AND e.occurred_at < $2 AND i.sent_at IS NOT NULL`,
      [new Date(startMs), new Date(endMs)],
    );
    return res.rows.map((r) => ({ atMs: r.at.getTime(), durationMs: Number(r.ms) }));
  }

  /** Approve/reject decisions in [startMs, endMs) with the ms since that workshop's first signup success. */
  async decisions(startMs: number, endMs: number): Promise<Array<{ atMs: number; durationMs: number }>> {
    const res = await this.pool.query<{ at: Date; ms: string }>(
      `SELECT e.occurred_at AS at, round(extract(epoch FROM e.occurred_at - w.submitted_at) * 1000) AS ms
         FROM workshop_events e JOIN workshops w ON w.workshop_id = e.workshop_id
        WHERE e.event_type IN ('workshop_approved', 'workshop_rejected')
          AND e.occurred_at >= $1 AND e.occurred_at < $2 AND w.submitted_at IS NOT NULL`,
      [new Date(startMs), new Date(endMs)],
    );
    return res.rows.map((r) => ({ atMs: r.at.getTime(), durationMs: Number(r.ms) }));
  }

  /** Lifecycle events before `endMs`, in (occurred_at, id) order. */
  async lifecycleEvents(endMs: number): Promise<LifecycleEvent[]> {
    // epoch milliseconds instead of timestamps: parsing a Date per row was most of this read's client time
    const res = await this.pool.query<{ t: string; w: string; m: string | null; at: number }>(
      `SELECT event_type AS t, workshop_id AS w, mechanic_id AS m,
              (extract(epoch FROM occurred_at) * 1000)::float8 AS at
         FROM workshop_events
        WHERE event_type = ANY($1) AND occurred_at < $2 AND workshop_id IS NOT NULL
        ORDER BY occurred_at, id`,
      [LIFECYCLE_TYPES, new Date(endMs)],
    );
    return res.rows.map((r) => ({ type: r.t, workshopId: r.w, mechanicId: r.m, atMs: Math.round(r.at) }));
  }

  /** Upserts one row per window; only `columns` are written on conflict (a failed source keeps old values). */
  async upsert(
    type: MetricType,
    tz: string,
    rows: ReadonlyArray<{ window: Window; values: KpiValues }>,
    columns: readonly KpiColumn[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const cols = ['metric_date', 'metric_type', 'window_start', 'window_end', 'time_zone', ...columns];
    const params: unknown[] = [];
    // A sum beyond the bigint column (history stored before revenue was bounded) saturates at its maximum
    // instead of failing the whole row.
    // (not least(): it ignores a NULL)
    const param = (c: string, v: unknown) => {
      const p = `$${params.push(v)}`;
      return BIGINT_COLUMNS.has(c)
        ? `CASE WHEN ${p}::numeric > ${BIGINT_MAX} THEN ${BIGINT_MAX} ELSE ${p}::numeric END`
        : p;
    };
    const tuples = rows.map(({ window, values }) => {
      const vals = [
        window.date,
        type,
        new Date(window.startMs),
        new Date(window.endMs),
        tz,
        ...columns.map((c) => values[c] ?? null),
      ];
      return `(${vals.map((v, i) => param(cols[i]!, v)).join(', ')})`;
    });
    const updates = [...cols.slice(2), 'computed_at'].map((c) =>
      c === 'computed_at' ? 'computed_at = now()' : `${c} = excluded.${c}`,
    );
    await this.pool.query(
      `INSERT INTO workshop_metrics (${cols.join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (metric_date, metric_type) DO UPDATE SET ${updates.join(', ')}`,
      params,
    );
  }

  async read(type: MetricType, from: string, to: string): Promise<StoredKpiRow[]> {
    const res = await this.pool.query(
      `SELECT ${SELECT_COLUMNS} FROM workshop_metrics
        WHERE metric_type = $1 AND metric_date BETWEEN $2 AND $3 ORDER BY metric_date`,
      [type, from, to],
    );
    return res.rows.map(toRow);
  }

  async latest(type: MetricType): Promise<StoredKpiRow | undefined> {
    const res = await this.pool.query(
      `SELECT ${SELECT_COLUMNS} FROM workshop_metrics WHERE metric_type = $1 ORDER BY metric_date DESC LIMIT 1`,
      [type],
    );
    return res.rows[0] ? toRow(res.rows[0]) : undefined;
  }
}

const SELECT_COLUMNS = [
  `to_char(metric_date, 'YYYY-MM-DD') AS metric_date`,
  'metric_type',
  'window_start',
  'window_end',
  'time_zone',
  'computed_at',
  ...KPI_COLUMNS,
].join(', ');

function toRow(r: Record<string, unknown>): StoredKpiRow {
  const out: Record<string, unknown> = {
    metric_date: r.metric_date,
    metric_type: r.metric_type,
    window_start: (r.window_start as Date).toISOString(),
    window_end: (r.window_end as Date).toISOString(),
    time_zone: r.time_zone,
    computed_at: (r.computed_at as Date).toISOString(),
  };
  for (const c of KPI_COLUMNS) out[c] = r[c] === null ? null : NUMERIC.has(c) ? Number(r[c]) : r[c];
  return out as unknown as StoredKpiRow;
}
