/**
 * EVENTS_RETENTION_MONTHS on real PostgreSQL, through the real daily job (daily_metrics) of two replicas running
 * as workshop_app: event partitions of months that ended more than N months before the current one are detached
 * and dropped, newer ones stay, KPI rows and projections stay, and a late event of a dropped month does not
 * overwrite its KPI row. Unset keeps everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withClient } from '../support/database.js';
import { ev, signupSuccess, uuid } from '../support/events.js';
import { postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
const started: Svc[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

const NOW = Date.now();
/** "YYYY_MM" of the UTC month `back` months before this one (computed here, not by the code under test). */
function monthBack(back: number): { key: string; mid: string; day: string } {
  const d = new Date(NOW);
  // the 15th at noon; this month: the 1st at 00:01 (never in the future)
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, back === 0 ? 1 : 15, back === 0 ? 0 : 12, 1));
  const iso = m.toISOString();
  return { key: `${iso.slice(0, 4)}_${iso.slice(5, 7)}`, mid: iso, day: iso.slice(0, 10) };
}

async function partitions(db: string): Promise<string[]> {
  return withClient(db, async (c) =>
    (
      await c.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'workshop_events'::regclass ORDER BY 1`,
      )
    ).rows.map((r) => r.name),
  );
}
const count = (db: string, sql: string, params: unknown[] = []) =>
  withClient(db, async (c) => Number((await c.query<{ n: string }>(sql, params)).rows[0]!.n));

/** One workshop signup per month, 0..6 months back; resolves to the workshop ids by months back. */
async function load(svc: Svc): Promise<string[]> {
  const ids = Array.from({ length: 7 }, uuid);
  const res = await postEvents(svc.url, { events: ids.map((id, back) => signupSuccess(id, monthBack(back).mid)) });
  expect(res.status, res.text).toBe(202);
  return ids;
}

describe('EVENTS_RETENTION_MONTHS=3', () => {
  let db: string;
  let a: Svc;
  let b: Svc;
  let ids: string[];
  let kpiBefore: { signups: number } | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestService({ EVENTS_RETENTION_MONTHS: '3' }, db);
    b = await startTestService({ EVENTS_RETENTION_MONTHS: '3' }, db);
    started.push(a, b);
    ids = await load(a);
    // the KPI row of a day in a month that will be dropped
    await a.aggregator.aggregator.compute('daily', [monthBack(5).day]);
    kpiBefore = await withClient(db, async (c) => {
      const r = await c.query<{ n: number }>(
        `SELECT signups_completed AS n FROM workshop_metrics WHERE metric_type = 'daily' AND metric_date = $1`,
        [monthBack(5).day],
      );
      return r.rows[0] ? { signups: r.rows[0].n } : undefined;
    });
    expect(kpiBefore).toEqual({ signups: 1 });
    // both replicas fire the same daily run (one takes it, the other finds it claimed); then b a day later
    await Promise.all([a.aggregator.jobs.daily_metrics.run(NOW), b.aggregator.jobs.daily_metrics.run(NOW)]);
  }, 120_000);

  it('then the partitions of months ended before the current month minus 3 are dropped, the newer ones kept', async () => {
    const names = await partitions(db);
    for (const back of [4, 5, 6]) expect(names).not.toContain(`workshop_events_${monthBack(back).key}`);
    for (const back of [0, 1, 2, 3]) expect(names).toContain(`workshop_events_${monthBack(back).key}`);
    // the kept months' events are all there; the dropped months' events and idempotency keys are gone
    expect(await count(db, 'SELECT count(*) AS n FROM workshop_events WHERE workshop_id = ANY($1)', [ids])).toBe(4);
    expect(
      await count(db, 'SELECT count(*) AS n FROM workshop_event_ids WHERE occurred_at < $1', [
        monthBack(3).mid.slice(0, 8) + '01',
      ]),
    ).toBe(0);
  });

  it('then KPI rows and projections of the dropped months are kept', async () => {
    expect(
      await count(
        db,
        `SELECT signups_completed AS n FROM workshop_metrics WHERE metric_type = 'daily' AND metric_date = $1`,
        [monthBack(5).day],
      ),
    ).toBe(kpiBefore!.signups);
    expect(await count(db, 'SELECT count(*) AS n FROM workshops WHERE workshop_id = ANY($1)', [ids])).toBe(7);
  });

  it('then the drop is counted on /metrics once across the replicas and logged', async () => {
    const dropped = async (svc: Svc) => {
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      return Number(/^workshop_event_partitions_dropped_total (\S+)$/m.exec(text)?.[1]);
    };
    expect((await dropped(a)) + (await dropped(b))).toBe(3);
  });

  it('when a late event of a dropped month arrives, then its day is not recomputed from the partial log', async () => {
    const late = ev('workshop_signup_started', { occurred_at: monthBack(5).mid, session_id: 's-late' });
    expect((await postEvents(a.url, late)).status).toBe(202);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    await a.aggregator.jobs.hourly_checks.run(hour);
    expect(
      await count(
        db,
        `SELECT signups_completed AS n FROM workshop_metrics WHERE metric_type = 'daily' AND metric_date = $1`,
        [monthBack(5).day],
      ),
    ).toBe(kpiBefore!.signups);
    // its mark was cleared all the same
    expect(await count(db, 'SELECT count(*) AS n FROM kpi_dirty_days WHERE day = $1', [monthBack(5).day])).toBe(0);
  });
});

describe('EVENTS_RETENTION_MONTHS unset', () => {
  it('then the daily job keeps every partition', async () => {
    const db = await createTestDatabase();
    const svc = await startTestService({}, db);
    started.push(svc);
    const before = await (async () => {
      await load(svc);
      return partitions(db);
    })();
    await svc.aggregator.jobs.daily_metrics.run(NOW);
    const after = await partitions(db);
    expect(after).toEqual(expect.arrayContaining(before));
    for (const back of [4, 5, 6]) expect(after).toContain(`workshop_events_${monthBack(back).key}`);
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    expect(/^workshop_event_partitions_dropped_total (\S+)$/m.exec(text)?.[1]).toBe('0');
  });
});
