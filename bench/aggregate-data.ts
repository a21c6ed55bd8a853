/**
 * Data for the KPI aggregation benchmark (databases come from lib/harness.ts openCluster): a set-based bulk
 * load of the high-volume event mix, and the workshop lifecycle (signups, decisions, suspensions, mechanics)
 * through the real EventStore so projections are right.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { EventStore } from '../src/ingest/event-store.js';
import { validateEvent, type NormalizedEvent } from '../src/ingest/event-schema.js';

export const DAY_MS = 86_400_000;

/** The high-volume mix, per mille; lifecycle types are left to the EventStore load. */
const MIX: Array<[type: string, category: string, perMille: number]> = [
  ['workshop_dashboard_accessed', 'activity', 428],
  ['workshop_signup_started', 'signup', 80],
  ['workshop_signup_step_1', 'signup', 60],
  ['workshop_signup_step_2', 'signup', 45],
  ['workshop_signup_step_3', 'signup', 35],
  ['workshop_signup_submitted', 'signup', 25],
  ['workshop_signup_failed', 'signup', 5],
  ['session_completed', 'activity', 120],
  ['workshop_profile_updated', 'activity', 50],
  ['mechanic_invited', 'invitation', 40],
  ['mechanic_invite_viewed', 'invitation', 25],
  ['mechanic_invite_expired', 'invitation', 8],
  ['email_invite_sent', 'email', 38],
  ['email_invite_failed', 'email', 2],
  ['email_approval_sent', 'email', 10],
  ['email_approval_failed', 'email', 1],
  ['email_rejection_sent', 'email', 3],
  ['email_rejection_failed', 'email', 1],
  ['workshop_application_viewed', 'approval', 20],
  ['workshop_first_mechanic', 'activity', 2],
  ['workshop_capacity_reached', 'activity', 2],
];
const TYPES = MIX.flatMap(([t, , n]) => Array<string>(n).fill(t));
const CATS = MIX.flatMap(([, c, n]) => Array<string>(n).fill(c));
if (TYPES.length !== 1000) throw new Error(`event mix must sum to 1000 per mille, not ${TYPES.length}`);

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
];

/** One day of the mix, time-ordered within the day (as a live log is), in one set-based statement. */
const DAY_SQL = `
INSERT INTO workshop_events (id, occurred_at, created_at, event_type, event_category, workshop_id, session_id, ip_address,
  user_agent, success, error_message, duration_ms, metadata, invite_id, revenue_cents)
SELECT gen_random_uuid(), at, at + interval '1 second', type, cat,
  CASE WHEN cat <> 'signup' THEN ($4::uuid[])[1 + floor(r1 * cardinality($4::uuid[]))::int] END,
  CASE WHEN cat = 'signup' THEN 'sess_' || $5 || '_' || (g / 6) END,
  CASE WHEN type = 'workshop_dashboard_accessed' OR cat = 'signup' THEN ('203.0.' || floor(r2 * 256)::int || '.0')::inet END,
  CASE WHEN type = 'workshop_dashboard_accessed' OR cat = 'signup' THEN ($6::text[])[1 + floor(r2 * 3)::int] END,
  NOT (type LIKE '%\\_failed' OR r3 < 0.01),
  CASE WHEN cat = 'email' AND type LIKE '%\\_failed' THEN 'SMTP 421 4.7.0 try again later'
       WHEN type LIKE '%\\_failed' THEN 'validation failed' WHEN r3 < 0.01 THEN 'upstream timeout' END,
  CASE WHEN type = 'workshop_dashboard_accessed' THEN floor(r3 * 800)::int END,
  CASE WHEN type = 'session_completed' THEN jsonb_build_object('revenue_cents', rev)
       WHEN cat = 'invitation' THEN jsonb_build_object('invite_id', inv) END,
  CASE WHEN cat = 'invitation' THEN inv END,
  CASE WHEN type = 'session_completed' THEN rev END
FROM (
  SELECT g, at, r1, r2, r3, ($2::text[])[k] AS type, ($3::text[])[k] AS cat, (1500 + floor(r2 * 60000))::bigint AS rev,
         'inv_' || $5 || '_' || (g % 997) AS inv
    FROM (SELECT g, date_trunc('milliseconds', $1::timestamptz + (g + random()) * ($7::float8 / $8::int) * interval '1 millisecond') AS at,
                 1 + floor(random() * 1000)::int AS k, random() AS r1, random() AS r2, random() AS r3
            FROM generate_series(0, $8::int - 1) AS g) AS raw
) AS s`;

/** Creates a partition for every month touching [fromMs, toMs). */
export async function ensureMonths(pool: pg.Pool, fromMs: number, toMs: number): Promise<number> {
  const r = await pool.query(
    `SELECT workshop_events_ensure_partition(m) FROM generate_series(date_trunc('month', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
       $2::timestamptz - interval '1 ms', interval '1 month') AS m`,
    [new Date(fromMs), new Date(toMs)],
  );
  return r.rowCount ?? 0;
}

/**
 * Inserts `total` events spread evenly over `days` days from `fromMs` (UTC midnight), one statement per day,
 * `concurrency` statements at a time, days taken in order (so the heap is roughly time-ordered).
 */
export async function bulkLoad(
  pool: pg.Pool,
  o: {
    fromMs: number;
    days: number;
    total: number;
    workshops: readonly string[];
    concurrency: number;
    progress: (daysDone: number, rows: number) => void;
  },
): Promise<number> {
  let next = 0;
  let done = 0;
  let rows = 0;
  const worker = async () => {
    const c = await pool.connect();
    try {
      await c.query('SET synchronous_commit = off');
      for (let d = next++; d < o.days; d = next++) {
        const n = Math.floor((o.total * (d + 1)) / o.days) - Math.floor((o.total * d) / o.days);
        const start = o.fromMs + d * DAY_MS;
        const tag = new Date(start).toISOString().slice(0, 10).replaceAll('-', '');
        const r = await c.query(DAY_SQL, [new Date(start), TYPES, CATS, o.workshops, tag, AGENTS, DAY_MS, n]);
        rows += r.rowCount ?? 0;
        o.progress(++done, rows);
      }
    } finally {
      c.release();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return rows;
}

const rnd = (a: number, b: number) => a + Math.random() * (b - a);
const HOUR = 3_600_000;

/**
 * The lifecycle of `workshops` between fromMs and toMs: signup success; 85% decided 1-96 h later (90% approved);
 * 8% of the approved suspended, half of those reactivated; `mechanics` acceptances into approved workshops and
 * 20% of those mechanics removed later. Validated through the real schema; sorted by time.
 */
export function lifecycle(
  workshops: readonly string[],
  fromMs: number,
  toMs: number,
  mechanics: number,
): NormalizedEvent[] {
  const raws: Array<Record<string, unknown>> = [];
  const at = (ms: number) => new Date(Math.floor(ms)).toISOString();
  const admin = randomUUID();
  const approved: Array<{ w: string; atMs: number }> = [];
  for (const w of workshops) {
    const signup = rnd(fromMs, toMs - 100 * HOUR);
    raws.push({
      type: 'workshop_signup_success',
      workshop_id: w,
      occurred_at: at(signup),
      metadata: { name: `Garage ${w.slice(0, 6)}`, city: 'Toronto', capacity: 20 },
    });
    if (Math.random() >= 0.85) continue;
    const decided = signup + rnd(1, 96) * HOUR;
    const ok = Math.random() < 0.9;
    raws.push({
      type: ok ? 'workshop_approved' : 'workshop_rejected',
      workshop_id: w,
      admin_id: admin,
      occurred_at: at(decided),
    });
    if (!ok) continue;
    approved.push({ w, atMs: decided });
    if (Math.random() < 0.08) {
      const susp = rnd(decided, toMs);
      raws.push({ type: 'workshop_suspended', workshop_id: w, occurred_at: at(susp) });
      if (Math.random() < 0.5)
        raws.push({ type: 'workshop_reactivated', workshop_id: w, occurred_at: at(rnd(susp, toMs)) });
    }
  }
  for (let i = 0; i < mechanics; i++) {
    const { w, atMs } = approved[Math.floor(Math.random() * approved.length)]!;
    const m = randomUUID();
    const joined = rnd(atMs, toMs);
    raws.push({
      type: 'mechanic_invite_accepted',
      workshop_id: w,
      mechanic_id: m,
      occurred_at: at(joined),
      metadata: { invite_id: `inv_${m.slice(0, 12)}` },
    });
    if (Math.random() < 0.2)
      raws.push({ type: 'mechanic_removed', workshop_id: w, mechanic_id: m, occurred_at: at(rnd(joined, toMs)) });
  }
  const nowMs = Date.now();
  const events = raws.map((raw, i) => {
    const r = validateEvent(raw, i, { ipMode: 'store', nowMs });
    if (!('event' in r)) throw new Error(`invalid lifecycle event: ${JSON.stringify(r.problems)}`);
    return r.event;
  });
  return events.sort((a, b) => a.occurredAtMs - b.occurredAtMs);
}

/** Stores events through EventStore.insert in batches of 1000 (events + projections, one transaction each). */
export async function insertLifecycle(pool: pg.Pool, events: readonly NormalizedEvent[]): Promise<void> {
  const store = new EventStore(pool, 'store');
  for (let i = 0; i < events.length; i += 1000) await store.insert(events.slice(i, i + 1000));
}

/** Full data set for one target: partitions, bulk mix, lifecycle, VACUUM ANALYZE. Returns the row count. */
export async function loadDataset(
  pool: pg.Pool,
  o: { fromMs: number; days: number; total: number; workshops: number; mechanics: number; log: (msg: string) => void },
): Promise<number> {
  const toMs = o.fromMs + o.days * DAY_MS;
  const t0 = performance.now();
  const months = await ensureMonths(pool, o.fromMs, toMs);
  const workshops = Array.from({ length: o.workshops }, () => randomUUID());
  const life = lifecycle(workshops, o.fromMs, toMs, o.mechanics);
  const bulkTotal = Math.max(0, o.total - life.length);
  o.log(
    `  ${months} monthly partitions; bulk ${bulkTotal.toLocaleString('en-US')} events over ${o.days} days, then ${life.length.toLocaleString('en-US')} lifecycle events via EventStore.insert`,
  );
  let lastLog = 0;
  await bulkLoad(pool, {
    fromMs: o.fromMs,
    days: o.days,
    total: bulkTotal,
    workshops,
    concurrency: 2,
    progress: (d, rows) => {
      const now = performance.now();
      if (now - lastLog < 15_000 && d < o.days) return;
      lastLog = now;
      const s = (now - t0) / 1000;
      o.log(
        `  bulk: ${d}/${o.days} days, ${rows.toLocaleString('en-US')} rows, ${s.toFixed(0)} s (${Math.round(rows / s).toLocaleString('en-US')} rows/s)`,
      );
    },
  });
  const t1 = performance.now();
  await insertLifecycle(pool, life);
  const t2 = performance.now();
  o.log(`  lifecycle: ${life.length.toLocaleString('en-US')} events in ${((t2 - t1) / 1000).toFixed(1)} s`);
  await pool.query('VACUUM (ANALYZE) workshop_events');
  await pool.query('ANALYZE workshops');
  const n = Number((await pool.query('SELECT count(*) AS n FROM workshop_events')).rows[0].n);
  o.log(
    `  VACUUM (ANALYZE) ${((performance.now() - t2) / 1000).toFixed(1)} s; ${n.toLocaleString('en-US')} events stored; load total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  return n;
}
