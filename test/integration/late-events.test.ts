/**
 * Late events converge: events of a day outside the daily job's 3-day window, arriving after that day's row (and
 * its week's) was computed, are marked by the flush that stores them, and the next hourly run recomputes the
 * day and its ISO week and clears the mark.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPI_COLUMNS } from '../../src/aggregate/kpi-definitions.js';
import { validateEvent } from '../../src/ingest/event-schema.js';
import { clearDirtyDays, EventStore, isLateDaySql, readDirtyDays } from '../../src/ingest/event-store.js';
import { expectedKpis } from '../support/kpi-reference.js';
import { generateScenario, type RawEvent } from '../support/scenario.js';
import { ADMIN_TOKEN, postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
type Row = Record<string, unknown>;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStart = (ms: number) => Math.floor(ms / DAY) * DAY;
const mondayStart = (ms: number) => dayStart(ms) - ((new Date(ms).getUTCDay() + 6) % 7) * DAY;
const monthStart = (ms: number, add = 0) =>
  Date.UTC(new Date(ms).getUTCFullYear(), new Date(ms).getUTCMonth() + add, 1);

// Two whole weeks of programme (UTC) holding the day 10 days ago; half of that day's events arrive late.
const LATE_DAY = dayStart(NOW) - 10 * DAY;
const LATE_WEEK = mondayStart(LATE_DAY);
const scenario = generateScenario(20261125, new Date(LATE_WEEK - 7 * DAY).toISOString(), 14);
const onLateDay = (e: RawEvent) => dayStart(Date.parse(e.occurred_at)) === LATE_DAY;
const late = scenario.events.filter((e, i) => onLateDay(e) && i % 2 === 0);
const early = scenario.events.filter((e) => !late.includes(e));

async function ingest(svc: Svc, events: readonly RawEvent[]) {
  for (let i = 0; i < events.length; i += 500)
    expect((await postEvents(svc.url, { events: events.slice(i, i + 500) })).status).toBe(202);
}
async function stored(svc: Svc, type: 'daily' | 'weekly' | 'monthly', date: string): Promise<Row> {
  const res = await fetch(`${svc.url}/api/metrics?type=${type}&from=${date}&to=${date}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const body = (await res.json()) as { rows: Row[] };
  expect(body.rows).toHaveLength(1);
  return body.rows[0]!;
}
const kpisOf = (row: Row) => Object.fromEntries(KPI_COLUMNS.map((c) => [c, row[c]]));

describe('late events (METRICS_TZ=UTC)', () => {
  let svc: Svc;

  beforeAll(async () => {
    svc = await startTestService({ METRICS_TZ: 'UTC' });
    await ingest(svc, early);
    // the rows as the scheduled jobs left them, and any marks of this first load worked off
    await svc.aggregator.aggregator.compute('daily', [isoDate(LATE_DAY)]);
    await svc.aggregator.aggregator.compute('weekly', [isoDate(LATE_WEEK)]);
    await svc.aggregator.aggregator.compute('monthly', [isoDate(monthStart(LATE_DAY))]);
    await svc.aggregator.jobs.hourly_checks.run(Math.floor(NOW / HOUR) * HOUR - HOUR);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('the late half changes the day: its stored row is stale until recomputed', async () => {
    expect(late.length).toBeGreaterThan(10);
    await ingest(svc, late);
    const row = await stored(svc, 'daily', isoDate(LATE_DAY));
    expect(kpisOf(row)).toEqual(expectedKpis(early, LATE_DAY, LATE_DAY + DAY));
    expect(kpisOf(row)).not.toEqual(expectedKpis(scenario.events, LATE_DAY, LATE_DAY + DAY));
  });

  it('when events dated 10 days ago arrive after its row was computed, then one hourly run makes the day, its week and its ended month equal a fresh calculation', async () => {
    await svc.aggregator.jobs.hourly_checks.run(Math.floor(NOW / HOUR) * HOUR);
    // The hourly job itself adds mechanic_invite_expired events (at sent_at + INVITE_TTL_DAYS) for the scenario's
    // unanswered invitations; depending on today's date they fall in the late week, so the reference counts them.
    const expiries = await svc.pool.query<{ id: string; workshop_id: string; occurred_at: Date; metadata: object }>(
      `SELECT id, workshop_id, occurred_at, metadata FROM workshop_events WHERE event_type = 'mechanic_invite_expired'`,
    );
    const known = new Set(scenario.events.map((e) => e.id));
    const all = [
      ...scenario.events,
      ...expiries.rows
        .filter((r) => !known.has(r.id))
        .map((r) => ({ ...r, type: 'mechanic_invite_expired', occurred_at: r.occurred_at.toISOString() }) as RawEvent),
    ];
    expect(kpisOf(await stored(svc, 'daily', isoDate(LATE_DAY)))).toEqual(expectedKpis(all, LATE_DAY, LATE_DAY + DAY));
    expect(kpisOf(await stored(svc, 'weekly', isoDate(LATE_WEEK)))).toEqual(
      expectedKpis(all, LATE_WEEK, LATE_WEEK + 7 * DAY),
    );
    // the month holding the day is recomputed once it has ended (its row is then the month's; before, the monthly
    // job computes it on the 1st)
    const month = monthStart(LATE_DAY);
    const monthRow = kpisOf(await stored(svc, 'monthly', isoDate(month)));
    if (monthStart(LATE_DAY, 1) <= dayStart(NOW))
      expect(monthRow).toEqual(expectedKpis(all, month, monthStart(LATE_DAY, 1)));
    else expect(monthRow.signups_started).toBe(expectedKpis(early, month, monthStart(LATE_DAY, 1)).signups_started);
    expect((await svc.pool.query('SELECT day FROM kpi_dirty_days')).rows).toEqual([]);
  });

  it('events of today and of the daily window mark nothing (the daily job covers them); older ones mark their local day', async () => {
    const fresh = [0, 1, 2].map((d) => ({
      id: randomUUID(),
      type: 'workshop_dashboard_accessed',
      workshop_id: '10000000-0000-4000-8000-0000000000aa',
      occurred_at: new Date(NOW - d * DAY).toISOString(),
    }));
    const old = { ...fresh[0]!, id: randomUUID(), occurred_at: '2003-04-05T23:30:00Z' };
    await ingest(svc, [...fresh, old]);
    const marks = await svc.pool.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day FROM kpi_dirty_days`);
    // Monday to Wednesday, the days of last week are marked too (its weekly row is already computed); on the 1st
    // and 2nd, the days of last month (its monthly row)
    const weekMark = (d: number) => dayStart(NOW - d * DAY) < Math.max(mondayStart(NOW), monthStart(NOW));
    expect(marks.rows.map((r) => r.day).sort()).toEqual(
      ['2003-04-05', ...[1, 2].filter(weekMark).map((d) => isoDate(NOW - d * DAY))].sort(),
    );
  });

  it.each([
    // [today, day, late?]: the daily job recomputes yesterday and the two days before
    ['2026-11-26', '2026-11-23', true], // Thursday: before the day before yesterday
    ['2026-11-26', '2026-11-24', false],
    ['2026-11-24', '2026-11-22', true], // Tuesday: Sunday is in the ended week
    ['2026-11-24', '2026-11-23', false],
    ['2026-12-01', '2026-11-30', true], // Tuesday the 1st: Monday the 30th is in the ended month
    ['2026-12-02', '2026-11-30', true],
    ['2026-12-02', '2026-12-01', false],
    ['2027-01-01', '2026-12-31', true], // Friday the 1st: the year's last day
  ])('on %s, a late event dated %s marks its day: %s', async (today, day, late) => {
    const res = await svc.pool.query<{ late: boolean }>(`SELECT ${isLateDaySql('$2::date', '$1::date')} AS late`, [
      today,
      day,
    ]);
    expect(res.rows[0]!.late).toBe(late);
  });

  it('when a day is marked again while its recompute runs, then clearing the marks read keeps the new one', async () => {
    await svc.pool.query('DELETE FROM kpi_dirty_days');
    const at = (iso: string) => ({
      id: randomUUID(),
      type: 'workshop_dashboard_accessed',
      workshop_id: '10000000-0000-4000-8000-0000000000bb',
      occurred_at: iso,
    });
    await ingest(svc, [at('2004-06-07T10:00:00Z'), at('2004-06-08T10:00:00Z')]);
    const read = await readDirtyDays(svc.pool);
    expect(read.map((d) => d.day)).toEqual(['2004-06-07', '2004-06-08']);
    await ingest(svc, [at('2004-06-08T11:00:00Z')]); // arrives after the read
    await clearDirtyDays(svc.pool, read);
    expect((await readDirtyDays(svc.pool)).map((d) => d.day)).toEqual(['2004-06-08']);
  });

  it('a store in another METRICS_TZ marks the local day: 02:30 UTC on 6 April is 5 April in Toronto', async () => {
    await svc.pool.query('DELETE FROM kpi_dirty_days');
    const r = validateEvent(
      {
        id: randomUUID(),
        type: 'workshop_dashboard_accessed',
        workshop_id: randomUUID(),
        occurred_at: '2005-04-06T02:30:00Z',
      },
      0,
      { ipMode: 'drop', nowMs: NOW },
    );
    if (!('event' in r)) throw new Error(JSON.stringify(r.problems));
    await new EventStore(svc.pool, 'drop', 'America/Toronto').insert([r.event]);
    expect((await readDirtyDays(svc.pool)).map((d) => d.day)).toEqual(['2005-04-05']);
  });
});
