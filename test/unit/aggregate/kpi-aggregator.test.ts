import { describe, expect, it } from 'vitest';
import { KpiAggregator } from '../../../src/aggregate/kpi-aggregator.js';
import { KPI_COLUMNS, SOURCE_COLUMNS } from '../../../src/aggregate/kpi-definitions.js';
import type { StoredKpiRow } from '../../../src/aggregate/kpi-store.js';
import { FakeKpiStore, localMidnightMs, type FakeEvent } from '../../support/fakes/fake-kpi-store.js';
import { expectedKpis } from '../../support/kpi-reference.js';
import { generateScenario, type RawEvent } from '../../support/scenario.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TO = 'America/Toronto';

/** A wire event as the ingest stores it: typed columns, success defaulting to true, revenue of sessions. */
const stored = (e: RawEvent): FakeEvent => ({
  id: e.id,
  type: e.type,
  atMs: Date.parse(e.occurred_at),
  workshopId: e.workshop_id ?? null,
  mechanicId: e.mechanic_id ?? null,
  success: e.success ?? true,
  revenueCents:
    e.type === 'session_completed' && typeof e.metadata?.revenue_cents === 'number' ? e.metadata.revenue_cents : null,
  durationMs: e.duration_ms ?? null,
  rating: e.type === 'session_rated' ? Number(e.metadata?.rating) : null,
  inviteId: typeof e.metadata?.invite_id === 'string' ? e.metadata.invite_id : null,
});

let seq = 0;
const ev = (type: string, iso: string, extra: Partial<FakeEvent> = {}): FakeEvent => ({
  id: `e${String(++seq).padStart(5, '0')}`,
  type,
  atMs: Date.parse(iso),
  ...extra,
});

function aggregator(events: readonly FakeEvent[], tz = 'UTC') {
  const store = new FakeKpiStore(events);
  const failures: Array<[string, unknown]> = [];
  const agg = new KpiAggregator(store, tz, { kpiFailure: (source, err) => failures.push([source, err]) });
  return { store, failures, agg };
}
const kpisOf = (row: StoredKpiRow) => Object.fromEntries(KPI_COLUMNS.map((c) => [c, row[c]]));
const days = (from: string, n: number) =>
  Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * DAY).toISOString().slice(0, 10));

describe('KpiAggregator over a generated multi-week scenario', () => {
  const scenario = generateScenario(7);
  const events = scenario.events.map(stored);

  it('every daily row equals the independent reference calculation, column by column (UTC)', async () => {
    const { agg, failures } = aggregator(events);
    const rows = await agg.compute('daily', days('2026-03-02', 21));
    expect(failures).toEqual([]);
    expect(rows.map((r) => r.metric_date)).toEqual(days('2026-03-02', 21));
    rows.forEach((row, i) => {
      const start = scenario.startMs + i * DAY;
      expect(row).toMatchObject({
        metric_type: 'daily',
        time_zone: 'UTC',
        window_start: new Date(start).toISOString(),
        window_end: new Date(start + DAY).toISOString(),
      });
      expect(kpisOf(row), row.metric_date).toEqual(expectedKpis(scenario.events, start, start + DAY));
    });
  });

  it('every weekly row equals the reference: sums of the days, rates recomputed, states at the week end', async () => {
    const { agg } = aggregator(events);
    const rows = await agg.compute('weekly', ['2026-03-02', '2026-03-09', '2026-03-16']);
    rows.forEach((row, i) => {
      const start = scenario.startMs + i * 7 * DAY;
      expect(kpisOf(row), row.metric_date).toEqual(expectedKpis(scenario.events, start, start + 7 * DAY));
    });
  });

  it('the scenario exercises every new column of issue 12 (non-zero, and a workshop with more than 3 mechanics)', async () => {
    const { agg } = aggregator(events);
    const [month] = await agg.compute('monthly', ['2026-03-01']);
    for (const c of [
      'signups_step_1',
      'signups_step_2',
      'signups_step_3',
      'signups_submitted',
      'applications_viewed',
      'approval_rate',
      'total_mechanics_invited',
      'workshops_over_3_mechanics',
      'pct_workshops_with_mechanics',
      'avg_invite_to_signup_hours',
      'avg_page_load_ms',
      'avg_satisfaction',
    ] as const)
      expect(month![c], c).toBeGreaterThan(0);
  });

  it.each(['UTC', TO])(
    'monthly rows (%s) equal the reference over the calendar month: sums, rates recomputed, states at month end',
    async (tz) => {
      const { agg, failures } = aggregator(events, tz);
      const rows = await agg.compute('monthly', ['2026-02-01', '2026-03-01', '2026-04-01']);
      expect(failures).toEqual([]);
      const start = (d: string) => localMidnightMs(d, tz);
      expect(rows.map((r) => [r.metric_date, r.window_start, r.window_end])).toEqual([
        ['2026-02-01', new Date(start('2026-02-01')).toISOString(), new Date(start('2026-03-01')).toISOString()],
        ['2026-03-01', new Date(start('2026-03-01')).toISOString(), new Date(start('2026-04-01')).toISOString()],
        ['2026-04-01', new Date(start('2026-04-01')).toISOString(), new Date(start('2026-05-01')).toISOString()],
      ]);
      for (const row of rows)
        expect(kpisOf(row), row.metric_date).toEqual(
          expectedKpis(scenario.events, Date.parse(row.window_start), Date.parse(row.window_end)),
        );
    },
  );

  it('in America/Toronto, days are cut at local midnight (23 hours on 2026-03-08) and still match the reference', async () => {
    const { agg } = aggregator(events, TO);
    const rows = await agg.compute('daily', days('2026-03-06', 5));
    expect(rows.map((r) => [r.metric_date, r.window_start, r.window_end])).toEqual([
      ['2026-03-06', '2026-03-06T05:00:00.000Z', '2026-03-07T05:00:00.000Z'],
      ['2026-03-07', '2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z'],
      ['2026-03-08', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
      ['2026-03-09', '2026-03-09T04:00:00.000Z', '2026-03-10T04:00:00.000Z'],
      ['2026-03-10', '2026-03-10T04:00:00.000Z', '2026-03-11T04:00:00.000Z'],
    ]);
    for (const row of rows)
      expect(kpisOf(row), row.metric_date).toEqual(
        expectedKpis(scenario.events, Date.parse(row.window_start), Date.parse(row.window_end)),
      );
  });
});

describe('KpiAggregator windows and boundaries', () => {
  it('an event at exactly midnight belongs to the next day, for counts, approval times and states', async () => {
    const { agg } = aggregator([
      ev('workshop_signup_success', '2026-03-01T12:00:00Z', { workshopId: 'w1' }),
      ev('workshop_signup_started', '2026-03-02T00:00:00Z'),
      ev('workshop_approved', '2026-03-02T00:00:00Z', { workshopId: 'w1' }),
    ]);
    const [d1, d2] = await agg.compute('daily', ['2026-03-01', '2026-03-02']);
    expect(d1).toMatchObject({ signups_started: 0, applications_approved: 0, avg_approval_time_hours: null });
    expect(d1).toMatchObject({ pending_workshops: 1, active_workshops: 0 });
    expect(d2).toMatchObject({ signups_started: 1, applications_approved: 1, avg_approval_time_hours: 12 });
    expect(d2).toMatchObject({ pending_workshops: 0, active_workshops: 1 });
  });

  it('the fall-back day in America/Toronto lasts 25 hours and events land by local time (as the integration test)', async () => {
    const s = (iso: string) => ev('workshop_signup_started', iso);
    const { agg } = aggregator(
      [
        s('2026-11-01T03:59:59.999Z'), // 2026-10-31 23:59:59.999 EDT
        s('2026-11-01T04:00:00.000Z'), // 2026-11-01 00:00 EDT
        s('2026-11-01T05:30:00.000Z'), // 01:30 EDT
        s('2026-11-01T06:30:00.000Z'), // 01:30 EST
        s('2026-11-02T04:30:00.000Z'), // 2026-11-01 23:30 EST
        s('2026-11-02T05:00:00.000Z'), // 2026-11-02 00:00 EST
      ],
      TO,
    );
    const rows = await agg.compute('daily', ['2026-10-31', '2026-11-01', '2026-11-02']);
    expect(rows.map((r) => [r.metric_date, r.window_start, r.window_end, r.signups_started])).toEqual([
      ['2026-10-31', '2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', 1],
      ['2026-11-01', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', 4],
      ['2026-11-02', '2026-11-02T05:00:00.000Z', '2026-11-03T05:00:00.000Z', 1],
    ]);
    // the ISO week holding the fall-back Sunday: 169 hours, the five events from Monday 2026-10-26 on
    const [week] = await agg.compute('weekly', ['2026-10-26']);
    expect([week!.window_start, week!.window_end, week!.signups_started]).toEqual([
      '2026-10-26T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
      5,
    ]);
  });

  it('a weekly rate is recomputed from the week’s sums, not averaged over its days', async () => {
    const { agg } = aggregator([
      ev('mechanic_invited', '2026-03-02T10:00:00Z'),
      ev('mechanic_invite_accepted', '2026-03-02T11:00:00Z'),
      ...[1, 2, 3].map((h) => ev('mechanic_invited', `2026-03-04T0${h}:00:00Z`)),
    ]);
    const [week] = await agg.compute('weekly', ['2026-03-02']);
    expect(week).toMatchObject({ invites_sent: 4, invites_accepted: 1, invite_acceptance_rate: 25 }); // not (100 + 0) / 2
  });

  it('approval times of a window are its decisions, from each workshop’s first signup success', async () => {
    const { agg } = aggregator([
      ev('workshop_signup_success', '2026-03-01T00:00:00Z', { workshopId: 'w1' }),
      ev('workshop_signup_success', '2026-03-01T06:00:00Z', { workshopId: 'w1' }), // a second success: not the start
      ev('workshop_approved', '2026-03-02T01:00:00Z', { workshopId: 'w1' }), // 25 h
      ev('workshop_signup_success', '2026-03-02T00:00:00Z', { workshopId: 'w2' }),
      ev('workshop_rejected', '2026-03-02T02:30:00Z', { workshopId: 'w2' }), // 2.5 h
      ev('workshop_signup_success', '2026-03-02T00:00:00Z', { workshopId: 'w3' }),
      ev('workshop_approved', '2026-03-03T00:00:00Z', { workshopId: 'w3' }), // next day's window
    ]);
    const [d2] = await agg.compute('daily', ['2026-03-02']);
    expect(d2).toMatchObject({ avg_approval_time_hours: 13.75, median_approval_time_hours: 13.75 });
  });
});

describe('KpiAggregator reads and writes', () => {
  it('when no dates are asked for, then nothing is read or written', async () => {
    const { agg, store } = aggregator([ev('workshop_signup_started', '2026-03-02T10:00:00Z')]);
    expect(await agg.compute('daily', [])).toEqual([]);
    expect(store.calls).toEqual([]);
  });

  it('reads each source once for the whole range, then writes every window in one upsert', async () => {
    const { agg, store } = aggregator([], TO);
    await agg.compute('daily', ['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(store.methodsCalled()).toEqual([
      'windows',
      'dayTypeCounts',
      'invitedBefore',
      'decisions',
      'inviteAcceptances',
      'lifecycleEvents',
      'upsert',
      'read',
    ]);
    const start = Date.parse('2026-03-07T05:00:00Z');
    const end = Date.parse('2026-03-10T04:00:00Z');
    const args = Object.fromEntries(store.calls.map((c) => [c.method, c.args]));
    expect(args.dayTypeCounts).toEqual([start, end, TO]);
    expect(args.decisions).toEqual([start, end]);
    expect(args.invitedBefore).toEqual([start]);
    expect(args.inviteAcceptances).toEqual([start, end]);
    expect(args.lifecycleEvents).toEqual([end]);
    expect(args.upsert![0]).toBe('daily');
    expect(args.upsert![1]).toBe(TO);
    expect((args.upsert![2] as unknown[]).length).toBe(3);
    expect([...(args.upsert![3] as string[])].sort()).toEqual([...KPI_COLUMNS].sort());
  });

  it('returns only the requested dates, though other rows are stored between them', async () => {
    const { agg } = aggregator([]);
    await agg.compute('daily', ['2026-03-03']);
    const rows = await agg.compute('daily', ['2026-03-02', '2026-03-04']);
    expect(rows.map((r) => r.metric_date)).toEqual(['2026-03-02', '2026-03-04']);
  });

  it('computing a day again replaces its row (one row per period)', async () => {
    const { agg, store } = aggregator([ev('workshop_signup_started', '2026-03-02T10:00:00Z')]);
    await agg.compute('daily', ['2026-03-02']);
    store.events.push(ev('workshop_signup_started', '2026-03-02T11:00:00Z')); // a late event
    const [row] = await agg.compute('daily', ['2026-03-02']);
    expect(row!.signups_started).toBe(2);
    expect(store.rows.size).toBe(1);
  });
});

describe('KpiAggregator when a source fails', () => {
  const events = [
    ev('workshop_signup_started', '2026-03-12T09:00:00Z'),
    ev('workshop_signup_success', '2026-03-12T09:30:00Z', { workshopId: 'w1' }),
    ev('workshop_approved', '2026-03-12T11:30:00Z', { workshopId: 'w1' }),
  ];

  it('reports the failing source, keeps its stored columns, and still recomputes the others', async () => {
    const { agg, store, failures } = aggregator(events);
    const [before] = await agg.compute('daily', ['2026-03-12']);
    expect(before).toMatchObject({ signups_started: 1, avg_approval_time_hours: 2, active_workshops: 1 });
    const key = 'daily|2026-03-12';
    store.rows.set(key, { ...store.rows.get(key)!, signups_started: -1, avg_approval_time_hours: 999 });
    store.failing.add('decisions');

    const [row] = await agg.compute('daily', ['2026-03-12']);
    expect(failures.map(([source, err]) => [source, (err as Error).message])).toEqual([
      ['approvals', 'fake decisions failure'],
    ]);
    expect(row!.signups_started).toBe(1); // counts recomputed
    expect(row!.active_workshops).toBe(1); // states recomputed
    expect(row!.avg_approval_time_hours).toBe(999); // approvals kept
    const written = store.calls.filter((c) => c.method === 'upsert').at(-1)!.args[3] as string[];
    expect([...written].sort()).toEqual(
      [...SOURCE_COLUMNS.counts, ...SOURCE_COLUMNS.invite_times, ...SOURCE_COLUMNS.states].sort(),
    );
  });

  it('when every source fails, then each is reported and the stored values are left as they were', async () => {
    const { agg, store, failures } = aggregator(events);
    const [before] = await agg.compute('daily', ['2026-03-12']);
    for (const m of ['dayTypeCounts', 'decisions', 'inviteAcceptances', 'lifecycleEvents'] as const)
      store.failing.add(m);
    const [after] = await agg.compute('daily', ['2026-03-12']);
    expect(failures.map(([source]) => source)).toEqual(['counts', 'approvals', 'invite_times', 'states']);
    expect(kpisOf(after!)).toEqual(kpisOf(before!));
  });

  it('when a new day’s source fails, then its columns are stored empty (null), not zero', async () => {
    const { agg, store } = aggregator(events);
    store.failing.add('dayTypeCounts');
    const [row] = await agg.compute('daily', ['2026-03-12']);
    expect(row).toMatchObject({ signups_started: null, api_success_rate: null, avg_approval_time_hours: 2 });
  });

  it('when the windows cannot be read, then compute rejects and nothing is written', async () => {
    const { agg, store } = aggregator(events);
    store.failing.add('windows');
    await expect(agg.compute('daily', ['2026-03-12'])).rejects.toThrow('fake windows failure');
    expect(store.rows.size).toBe(0);
  });
});
