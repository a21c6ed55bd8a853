/**
 * PostgreSQL access for the event log: partition upkeep, the group-commit insert (idempotency keys, events
 * and projections in one statement) and the projection rebuild.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { isEventType, categoryOf } from '../catalogue/event-catalogue.js';
import type { IpMode } from '../config.js';
import { isRetryableError, isTimeoutError, isUnavailableError } from '../db/pool.js';
import type { NormalizedEvent } from './event-schema.js';
import { PROJECTIONS, ProjectionReducer, type ProjectionSpec } from './projection-spec.js';
import { StoreFailure } from './store-failure.js';
import {
  contributionParamCount,
  contributionUpsertSql,
  contributionValues,
  upsertSql,
  upsertStatement,
  upsertValues,
} from './projection-sql.js';

const EVENT_COLUMNS = [
  ['id', 'uuid'],
  ['occurred_at', 'timestamptz'],
  ['event_type', 'text'],
  ['event_category', 'text'],
  ['workshop_id', 'uuid'],
  ['user_id', 'uuid'],
  ['mechanic_id', 'uuid'],
  ['admin_id', 'uuid'],
  ['metadata', 'jsonb'],
  ['session_id', 'text'],
  ['ip_address', 'inet'],
  ['user_agent', 'text'],
  ['success', 'bool'],
  ['error_message', 'text'],
  ['duration_ms', 'int4'],
  ['invite_id', 'text'],
  ['revenue_cents', 'int8'],
] as const;

const NAMES = EVENT_COLUMNS.map(([n]) => n).join(', ');

/** The stored form of each event column, from the unnest alias `i` (IP addresses per IP_MODE). */
function eventSelect(ipMode: IpMode): string {
  const ip =
    ipMode === 'truncate'
      ? `CASE WHEN i.ip_address IS NULL THEN NULL
              ELSE network(set_masklen(i.ip_address, CASE family(i.ip_address) WHEN 4 THEN 24 ELSE 48 END))::inet END`
      : 'i.ip_address';
  return EVENT_COLUMNS.map(([n]) => (n === 'ip_address' ? ip : `i.${n}`)).join(', ');
}

const EVENT_ARRAYS = EVENT_COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ');

/**
 * One data-modifying CTE per projection (`,\nproj<i> AS (...)`), its parameters numbered after the event
 * columns: `sql` builds a projection's statement from its first parameter, which uses `params` of them.
 */
function projectionCtes(
  sql: (spec: ProjectionSpec, firstParam: number) => string,
  params: (spec: ProjectionSpec) => number,
): string {
  let next = EVENT_COLUMNS.length + 1;
  return PROJECTIONS.map((spec, i) => {
    const cte = `,\nproj${i} AS (\n${sql(spec, next)}\n)`;
    next += params(spec);
    return cte;
  }).join('');
}

/**
 * The exact write of a flush as one statement (atomic, one round trip): the idempotency keys, the events
 * whose id was new, and per projection an upsert fed only by the contributions of those new events.
 * Parameters: the event column arrays, then per projection its contribution arrays (contributionValues).
 * Returns the ids that were new.
 */
function exactSql(ipMode: IpMode, timeZone: string): string {
  const projections = projectionCtes(
    (spec, first) => contributionUpsertSql(spec, first, 'ins'),
    contributionParamCount,
  );
  return `WITH input AS (SELECT * FROM unnest(${EVENT_ARRAYS}) AS u(${NAMES})),
new_ids AS (
  INSERT INTO workshop_event_ids (id, occurred_at) SELECT id, occurred_at FROM input ON CONFLICT DO NOTHING RETURNING id
),
ins AS (
  INSERT INTO workshop_events (${NAMES})
  SELECT ${eventSelect(ipMode)} FROM input i JOIN new_ids n ON n.id = i.id
  RETURNING id
)${projections}${dirtyDaysCte(timeZone)}${changesCte()}
SELECT id FROM ins`;
}

/**
 * The write of a flush in which every id is new — the normal case — as one statement: plain inserts of the
 * keys and events (no conflict handling, no join back) and per projection an upsert of rows already merged
 * in the service (ProjectionReducer). If any id was stored before, the key insert fails with a unique
 * violation on workshop_event_ids_pkey, the statement changes nothing, and the store runs exactSql instead.
 * Parameters: the event column arrays, then per projection its merged rows (upsertValues).
 */
function freshSql(ipMode: IpMode, timeZone: string): string {
  const projections = projectionCtes(upsertSql, (spec) => spec.columns.length);
  const param = (name: string) => `$${EVENT_COLUMNS.findIndex(([n]) => n === name) + 1}`;
  return `WITH keys AS (
  INSERT INTO workshop_event_ids (id, occurred_at)
  SELECT * FROM unnest(${param('id')}::uuid[], ${param('occurred_at')}::timestamptz[])
),
ins AS (
  INSERT INTO workshop_events (${NAMES})
  SELECT ${eventSelect(ipMode)} FROM unnest(${EVENT_ARRAYS}) AS i(${NAMES})
)${projections}${dirtyDaysCte(timeZone)}${changesCte()}
SELECT 1`;
}

/**
 * Marks, in kpi_dirty_days, the local days (in `timeZone`) of the flush's events whose KPI rows the scheduled
 * jobs will not recompute: days before the day before yesterday (the daily job recomputes yesterday and the two
 * days before), days of an ISO week that has ended (its weekly row is computed on Monday) and days of a calendar
 * month that has ended (its monthly row is computed on the 1st). Today's traffic
 * marks nothing. Marks are appended (no unique key), so concurrent flushes of late events never wait on each
 * other's marks.
 */
function dirtyDaysCte(timeZone: string): string {
  const occurredAt = `$${EVENT_COLUMNS.findIndex(([n]) => n === 'occurred_at') + 1}`;
  const tz = `'${timeZone.replace(/'/g, "''")}'`;
  const today = `(now() AT TIME ZONE ${tz})::date`;
  return `,
dirty AS (
  INSERT INTO kpi_dirty_days (day)
  SELECT DISTINCT d FROM (SELECT (o AT TIME ZONE ${tz})::date AS d FROM unnest(${occurredAt}::timestamptz[]) AS o) days
   WHERE ${isLateDaySql('d', today)}
)`;
}

/**
 * Appends, to workshop_changes (migration 1730000000016), one row naming the workshops whose gauge inputs the flush
 * may change: the distinct workshop ids of its events, and the workshops owning the invitations it touches as they
 * were before it (the statement's snapshot; an earlier first event may move an invitation to another workshop). No
 * row when it touches none. The gauge refresh re-reads exactly these workshops (GaugeStore.changes).
 */
function changesCte(): string {
  const param = (name: string) => `$${EVENT_COLUMNS.findIndex(([n]) => n === name) + 1}`;
  return `,
changes AS (
  INSERT INTO workshop_changes (workshop_ids)
  SELECT array_agg(DISTINCT w) FROM (
    SELECT w FROM unnest(${param('workshop_id')}::uuid[]) AS w WHERE w IS NOT NULL
    UNION ALL
    SELECT workshop_id FROM invitations WHERE invite_id = ANY(${param('invite_id')}::text[])
  ) touched(w)
  HAVING count(*) > 0
)`;
}

/**
 * SQL: whether local date `day` is late on local date `today` — before the day before yesterday, in an ended ISO
 * week or in an ended calendar month (exported for tests, which evaluate it on fixed dates).
 */
export function isLateDaySql(day: string, today: string): string {
  return `${day} < greatest(${today} - 2, date_trunc('week', ${today})::date, date_trunc('month', ${today})::date)`;
}

/** A unique violation of the idempotency key: some id of the flush was already stored. */
function isStoredIdConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' && e.constraint === 'workshop_event_ids_pkey';
}

/** The event column parameters: one array per column of EVENT_COLUMNS. */
function eventValues(events: readonly NormalizedEvent[]): unknown[][] {
  const cols: unknown[][] = EVENT_COLUMNS.map(() => new Array(events.length));
  events.forEach((e, r) => {
    const v = [
      e.id,
      e.occurredAt,
      e.type,
      e.category,
      e.workshopId,
      e.userId,
      e.mechanicId,
      e.adminId,
      e.metadata === null ? null : JSON.stringify(e.metadata),
      e.sessionId,
      e.ipAddress,
      e.userAgent,
      e.success,
      e.errorMessage,
      e.durationMs,
      e.inviteId,
      e.revenueCents,
    ];
    v.forEach((x, c) => (cols[c]![r] = x));
  });
  return cols;
}

/**
 * The write failure kind of a PostgreSQL error (store-failure.ts), or undefined for an error the store does not
 * expect (a defect, passed on as it is).
 */
export function classifyWriteError(err: unknown): StoreFailure | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  // No partition for a row (23514; 42P01, e.g. one was dropped) or one created concurrently (42P07).
  if (code === '23514' || code === '42P01' || code === '42P07') return new StoreFailure('partition_missing', err);
  if (isRetryableError(err)) return new StoreFailure('retryable', err);
  // Gave up waiting (statement_timeout, or partition creation's lock_timeout after its retries): nothing was
  // stored and the database is too busy to say when it will be: 503, retry later.
  if (isUnavailableError(err) || isTimeoutError(err)) return new StoreFailure('unavailable', err);
  if (typeof code === 'string' && code.startsWith('22')) return new StoreFailure('data_error', err);
  return undefined;
}

/**
 * Returns monthOf with a memory of the last month it computed: most events of a flush share a month, and the
 * Date arithmetic was about 4% of the service's CPU. Each store has its own.
 */
export function monthKeys(): (ms: number) => string {
  let last = { start: 0, end: 0, key: '' };
  return (ms) => {
    if (ms >= last.start && ms < last.end) return last.key;
    const d = new Date(ms);
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    last = { start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), key: monthOf(start) };
    return last.key;
  };
}

/** First instant (UTC) of the month holding `ms`, as the key of its partition. */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
}

/** Tries of a partition creation that timed out on its lock (2 s each, in the SQL function) before giving up. */
const PARTITION_LOCK_ATTEMPTS = 3;

/**
 * Creates the monthly partitions holding `months` (ISO month starts) if missing. The SQL function bounds its
 * lock wait (lock_timeout 2 s) and never blocks readers or inserts while waiting; a timed-out try is repeated,
 * and after PARTITION_LOCK_ATTEMPTS the 55P03 error is thrown (classified as unavailable).
 */
export async function ensureMonthPartitions(pool: pg.Pool, months: readonly string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT workshop_events_ensure_partition(m) FROM unnest($1::timestamptz[]) AS m', [months]);
      return;
    } catch (err) {
      if (!isTimeoutError(err) || attempt >= PARTITION_LOCK_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** The ISO month starts of the month holding `nowMs` and the `ahead` months after it. */
export function monthsAhead(nowMs: number, ahead: number): string[] {
  const d = new Date(nowMs);
  return Array.from({ length: ahead + 1 }, (_, i) =>
    new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + i, 1)).toISOString(),
  );
}

/** A day marked by late events (kpi_dirty_days), with the ids of the mark rows read for it. */
export interface DirtyDay {
  day: string;
  marks: readonly string[];
}

/** The local days marked by late events, oldest first (at most `limit` days). */
export async function readDirtyDays(pool: pg.Pool, limit = 1000): Promise<DirtyDay[]> {
  const res = await pool.query<{ day: string; marks: string[] }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, array_agg(id ORDER BY id)::text[] AS marks
       FROM kpi_dirty_days GROUP BY day ORDER BY day LIMIT $1`,
    [limit],
  );
  return res.rows;
}

/**
 * Deletes exactly the mark rows read. A flush marking one of the days again adds a row the read did not see, so
 * its mark survives, even when it committed after the recompute read the events.
 */
export async function clearDirtyDays(pool: pg.Pool, days: readonly DirtyDay[]): Promise<void> {
  await pool.query(`DELETE FROM kpi_dirty_days WHERE id = ANY($1::bigint[])`, [days.flatMap((d) => d.marks)]);
}

export class EventStore {
  private readonly exact: { name: string; text: string };
  private readonly fresh: { name: string; text: string };
  private readonly knownMonths = new Set<string>();
  private readonly monthKey = monthKeys();
  /** Flushes written by the all-new statement, and by the exact one (some id already stored). */
  readonly writes = { fresh: 0, exact: 0 };

  /** `timeZone`: METRICS_TZ, in which the flush marks the local days of late events (kpi_dirty_days). */
  constructor(
    private readonly pool: pg.Pool,
    ipMode: IpMode,
    timeZone = 'UTC',
  ) {
    // a prepared statement's name is per connection: stores of other settings on one pool must not share one
    const key = `${ipMode}_${createHash('sha256').update(timeZone).digest('hex').slice(0, 8)}`;
    this.exact = { name: `workshop_events_exact_${key}`, text: exactSql(ipMode, timeZone) };
    this.fresh = { name: `workshop_events_fresh_${key}`, text: freshSql(ipMode, timeZone) };
  }

  /** Creates the monthly partitions for `months` (ISO month starts) that this process has not seen yet. */
  async ensurePartitions(months: Iterable<string>): Promise<void> {
    const missing = [...new Set(months)].filter((m) => !this.knownMonths.has(m));
    if (missing.length === 0) return;
    await ensureMonthPartitions(this.pool, missing);
    missing.forEach((m) => this.knownMonths.add(m));
  }

  /** Forgets known partitions (after "no partition for row" errors, e.g. when one was dropped). */
  forgetPartitions(): void {
    this.knownMonths.clear();
  }

  /**
   * Creates partitions for the current month and the next `ahead` months. Returns false, instead of failing
   * start-up, when the lock stayed taken (inserts create a missing partition on demand, and the daily job
   * creates them ahead again).
   */
  async createPartitionsAhead(nowMs: number, ahead = 3): Promise<boolean> {
    try {
      await this.ensurePartitions(monthsAhead(nowMs, ahead));
      return true;
    } catch (err) {
      if (isTimeoutError(err)) return false;
      throw err;
    }
  }

  /**
   * Stores `events` (ids unique within the call) with their projections in one statement. Returns the ids
   * that were new; the others were already stored (idempotent retries) and do not touch the projections,
   * so the projections always equal a rebuild from the log. Fails with a StoreFailure where PostgreSQL's
   * error has a kind the writer acts on.
   */
  async insert(events: readonly NormalizedEvent[]): Promise<Set<string>> {
    // Both statements take input rows by id: a repeated id would be inserted twice. The writer dedupes.
    const ids = new Set(events.map((e) => e.id));
    if (ids.size !== events.length) throw new Error('EventStore.insert: event ids must be unique within a call');
    try {
      return await this.write(events, ids);
    } catch (err) {
      throw classifyWriteError(err) ?? err;
    }
  }

  /**
   * Runs the exact write of `events` in a transaction and rolls it back: nothing is stored (partitions it
   * creates are kept). The writer uses it to find which events of a refused request PostgreSQL refuses.
   */
  async probe(events: readonly NormalizedEvent[]): Promise<void> {
    try {
      await this.ensurePartitions(events.map((e) => this.monthKey(e.occurredAtMs)));
      const values: unknown[] = eventValues(events);
      for (const spec of PROJECTIONS) values.push(...contributionValues(spec, events));
      const client = await this.pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        await client.query({ ...this.exact, values });
      } finally {
        await client.query('ROLLBACK').catch((err: unknown) => (broken = err));
        client.release(broken as Error | undefined);
      }
    } catch (err) {
      throw classifyWriteError(err) ?? err;
    }
  }

  private async write(events: readonly NormalizedEvent[], ids: Set<string>): Promise<Set<string>> {
    await this.ensurePartitions(events.map((e) => this.monthKey(e.occurredAtMs)));
    const columns = eventValues(events);
    // Named (prepared) statements: their SQL is sent and parsed once per connection instead of every flush.
    // The pool runs with plan_cache_mode=force_custom_plan (db/pool.ts), so each flush is still planned for
    // its array sizes. One statement is atomic, so no BEGIN/COMMIT round trips.
    try {
      const values: unknown[] = [...columns];
      for (const spec of PROJECTIONS)
        values.push(...upsertValues(spec, new ProjectionReducer(spec).add(events).rows()));
      await this.pool.query({ ...this.fresh, values });
      this.writes.fresh++;
      return ids;
    } catch (err) {
      if (!isStoredIdConflict(err)) throw err;
    }
    const values: unknown[] = [...columns];
    for (const spec of PROJECTIONS) values.push(...contributionValues(spec, events));
    const res = await this.pool.query<{ id: string }>({ ...this.exact, values });
    this.writes.exact++;
    return new Set(res.rows.map((r) => r.id));
  }

  /** Rebuilds every projection from the log in one transaction; returns how many events were read. */
  async rebuildProjections(chunk = 20_000): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`TRUNCATE ${PROJECTIONS.map((p) => p.table).join(', ')}`);
      const reducers = PROJECTIONS.map((p) => new ProjectionReducer(p));
      await client.query(`DECLARE rebuild NO SCROLL CURSOR FOR SELECT ${NAMES} FROM workshop_events`);
      let read = 0;
      for (;;) {
        const res = await client.query(`FETCH ${chunk} FROM rebuild`);
        if (res.rows.length === 0) break;
        read += res.rows.length;
        const events = res.rows.map(rowToEvent);
        reducers.forEach((r) => r.add(events));
      }
      await client.query('CLOSE rebuild');
      for (const r of reducers) {
        const rows = r.rows();
        for (let i = 0; i < rows.length; i += 5_000) {
          const st = upsertStatement(r.spec, rows.slice(i, i + 5_000));
          await client.query(st.text, st.values);
        }
      }
      // every workshop's gauge inputs may have changed: the next gauge refresh reads them all (workshop_changes)
      await client.query('INSERT INTO workshop_changes (workshop_ids) VALUES (NULL)');
      await client.query('COMMIT');
      return read;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
}

/** A stored row back to the normalized form the projections read. */
export function rowToEvent(r: Record<string, unknown>): NormalizedEvent {
  const type = r.event_type;
  if (!isEventType(type)) throw new Error(`unknown event type in log: ${String(type)}`);
  const occurred = r.occurred_at as Date;
  return {
    id: r.id as string,
    type,
    category: categoryOf(type),
    occurredAt: occurred.toISOString(),
    occurredAtMs: occurred.getTime(),
    workshopId: (r.workshop_id as string | null) ?? null,
    userId: (r.user_id as string | null) ?? null,
    mechanicId: (r.mechanic_id as string | null) ?? null,
    adminId: (r.admin_id as string | null) ?? null,
    sessionId: (r.session_id as string | null) ?? null,
    success: r.success as boolean,
    errorMessage: (r.error_message as string | null) ?? null,
    durationMs: (r.duration_ms as number | null) ?? null,
    ipAddress: (r.ip_address as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    metadata: (r.metadata as Record<string, unknown> | null) ?? null,
    inviteId: (r.invite_id as string | null) ?? null,
    revenueCents: r.revenue_cents === null || r.revenue_cents === undefined ? null : Number(r.revenue_cents),
  };
}
