/**
 * The backtest's incremental replay (one pass over the log) against its reference, the as-of SQL (one query per
 * instant over workshop_events): on a generated programme stored through the real ingest API, the replayed
 * gauges are the same at many instants — every few hours over the range, and just before, at and just after
 * events.
 */
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backtestCommand } from '../../src/backtest/backtest-command.js';
import { checkBacktestOptions } from '../../src/backtest/backtest-options.js';
import { backtestJson } from '../../src/backtest/backtest-output.js';
import { gaugeSamples, type AsOfGauges } from '../../src/backtest/as-of-gauges.js';
import { AsOfGaugeStore } from '../../src/backtest/as-of-gauge-store.js';
import { EventLogStore } from '../../src/backtest/event-log-store.js';
import { GaugeReplay } from '../../src/backtest/gauge-replay.js';
import { generateScenario, prng } from '../support/scenario.js';
import { postEvents, startTestService } from '../support/service.js';

const DAY = 86_400_000;
const root = path.resolve(import.meta.dirname, '../..');
const scenario = generateScenario(31, '2026-03-02T00:00:00Z', 35);
let svc: Awaited<ReturnType<typeof startTestService>>;
let client: pg.Client;

beforeAll(async () => {
  svc = await startTestService();
  for (let i = 0; i < scenario.events.length; i += 500) {
    const res = await postEvents(svc.url, { events: scenario.events.slice(i, i + 500) });
    expect(res.status, res.text).toBe(202);
  }
  client = new pg.Client({ connectionString: svc.databaseUrl });
  await client.connect();
}, 120_000);
afterAll(async () => {
  await client?.end();
  await svc?.stop();
});

/** Samples as sorted lines, so a difference reads as the series and value that differ. */
const lines = (g: AsOfGauges) =>
  [...gaugeSamples(g)].flatMap(([name, list]) =>
    // an average: summed in another order by PostgreSQL, equal to 12 digits
    list.map((s) => `${name}${JSON.stringify(s.labels)} ${Number(s.value.toPrecision(12))}`).sort(),
  );

it('the replay gives the as-of SQL gauges at every instant compared', async () => {
  const r = prng(99);
  const times = scenario.events.map((e) => Date.parse(e.occurred_at));
  const instants = new Set<number>();
  for (let t = scenario.startMs - DAY; t <= scenario.startMs + (scenario.days + 32) * DAY; t += 5 * 3_600_000 + 17_000)
    instants.add(t);
  // around events: the instant of one (it counts), a millisecond before and after; and windows' edges
  for (let i = 0; i < 120; i++) {
    const t = times[r.int(0, times.length - 1)]!;
    for (const d of [-1, 0, 1, DAY, DAY + 1, 7 * DAY, 30 * DAY, 3_600_000]) instants.add(t + d);
  }
  const sorted = [...instants].sort((a, b) => a - b);
  const reference = new AsOfGaugeStore(client, 7);
  const replay = new GaugeReplay(7);
  const pages = new EventLogStore(client, 250).events(sorted[sorted.length - 1]!);
  let pending: Awaited<ReturnType<typeof pages.next>>['value'] = [];
  let idx = 0;
  let compared = 0;
  let nonEmpty = 0;
  for (const t of sorted) {
    for (;;) {
      if (idx >= (pending?.length ?? 0)) {
        const next = await pages.next();
        if (next.done) {
          pending = undefined;
          break;
        }
        pending = next.value;
        idx = 0;
      }
      if (pending![idx]!.atMs > t) break;
      replay.apply(pending![idx++]!);
    }
    const want = lines(await reference.gaugesAt(t));
    expect(lines(replay.snapshot(t)), new Date(t).toISOString()).toEqual(want);
    compared++;
    if (want.some((l) => l.startsWith('workshop_invites_resolved_30d{'))) nonEmpty++;
  }
  expect(compared).toBeGreaterThan(900);
  // the comparison covered workshops with invitations, not only an empty programme
  expect(nonEmpty).toBeGreaterThan(100);
}, 300_000);

it('every replayable alert fires the same with the per-workshop rules inlined as with them backfilled', async () => {
  const from = new Date(scenario.startMs + DAY).toISOString();
  const to = new Date(scenario.startMs + (scenario.days + 10) * DAY).toISOString();
  const prepared = await backtestCommand.prepare(root, checkBacktestOptions({ from, to, step: '5m' }));
  const run = async (inlineWorkshopRulesAbove: number) => {
    const c = new pg.Client({ connectionString: svc.databaseUrl });
    await c.connect();
    try {
      await c.query('BEGIN READ ONLY');
      const r = await prepared.runRaw(c, 7, undefined, { inlineWorkshopRulesAbove });
      expect(r.stats.inlinedWorkshopRules).toBe(inlineWorkshopRulesAbove === 0);
      return backtestJson(r);
    } finally {
      await c.end();
    }
  };
  const backfilled = await run(Infinity);
  const inlined = await run(0);
  expect(inlined).toEqual(backfilled);
  // a comparison of something: per-workshop alerts of several kinds fired in the scenario
  const fired = new Set(backfilled.alerts.filter((a) => a.labels.workshop_id).map((a) => a.alertname));
  expect(fired.size, [...fired].join(', ')).toBeGreaterThanOrEqual(2);
}, 300_000);
