/**
 * npm run backtest against a generated scenario whose application waiting times and dashboard silences are known:
 * the real event log in PostgreSQL, the real promtool and prometheus. The expected firings are worked out here
 * from the scenario's own numbers (when each condition starts and stops holding on the evaluation grid), not
 * from the gauge SQL or the replay.
 */
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../src/backtest/backtest-command.js';
import { checkBacktestOptions } from '../../src/backtest/backtest-options.js';
import { backtestJson, type AlertJson, type BacktestJson } from '../../src/backtest/backtest-output.js';
import { createTestDatabase } from '../support/database.js';
import { storeEvents, type LogEvent } from '../support/backtest-scenario.js';
import { prng } from '../support/scenario.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const root = path.resolve(import.meta.dirname, '../..');
const START = Date.parse('2026-03-02T00:00:00Z');
const FROM = START + DAY;
const TO = START + 10 * DAY;
const STEP = MIN;

/** Hours each application waits for its approval (null: still waiting at the end). */
const WAITS = [10, 30, 35.5, 37, 40, 47, 49, 50, 60, 72, null, null];

interface Stuck {
  id: string;
  submittedMs: number;
  approvedMs: number | null;
}
interface Quiet {
  id: string;
  /** The dashboard access (or approval) that starts the silence, and the access that ends it (null: none). */
  silentFromMs: number;
  backMs: number | null;
  /** A mechanic_invited during the silence (keeps ChurnRisk quiet for 14 days after it). */
  inviteMs: number | null;
}

function scenario(seed: number) {
  const r = prng(seed);
  const events: LogEvent[] = [];
  const ev = (type: string, category: LogEvent['category'], atMs: number, workshopId: string, extra = {}) =>
    events.push({ id: r.uuid(), type, category, atMs, workshopId, ...extra });
  const stuck: Stuck[] = WAITS.map((wait, i) => {
    const id = r.uuid();
    // not on the minute: the grid, not the event, decides the evaluation that first sees it
    const submittedMs = FROM + i * 7 * HOUR + r.int(0, 3599) * 1000 + 17;
    const approvedMs = wait === null ? null : submittedMs + wait * HOUR;
    ev('workshop_signup_success', 'signup', submittedMs, id, { metadata: { name: `Garage ${i}` } });
    if (approvedMs !== null) ev('workshop_approved', 'approval', approvedMs, id);
    // an active workshop that logs in every day is never a churn risk
    if (approvedMs !== null)
      for (let t = approvedMs + HOUR; t < TO + DAY; t += DAY) ev('workshop_dashboard_accessed', 'activity', t, id);
    return { id, submittedMs, approvedMs };
  });
  const quiet: Quiet[] = [];
  const active = (approvedMs: number, lastAccessMs: number | null, backMs: number | null, inviteMs: number | null) => {
    const id = r.uuid();
    ev('workshop_signup_success', 'signup', approvedMs - 2 * DAY, id);
    ev('workshop_approved', 'approval', approvedMs, id);
    if (lastAccessMs !== null)
      for (let t = lastAccessMs; t > approvedMs; t -= DAY) ev('workshop_dashboard_accessed', 'activity', t, id);
    if (backMs !== null) ev('workshop_dashboard_accessed', 'activity', backMs, id);
    if (inviteMs !== null)
      ev('mechanic_invited', 'invitation', inviteMs, id, { inviteId: `inv-${r.uuid()}`, metadata: {} });
    quiet.push({ id, silentFromMs: lastAccessMs ?? approvedMs, backMs, inviteMs });
  };
  active(START - 30 * DAY, START - 13 * DAY + 5 * HOUR + 17 * MIN + 3000, START + 3 * DAY + 2 * HOUR, null);
  active(START - 30 * DAY, START - 12 * DAY + 3 * HOUR, null, START + DAY);
  active(START - 10 * DAY + 7 * HOUR + 123_456, null, null, null);
  return { events, stuck, quiet };
}

/**
 * The evaluation grid: the gauges are sampled every STEP from FROM; Prometheus evaluates the rules `off` ms later
 * in each step (its slot for the rule group, reported by the run), each evaluation seeing the last sample.
 */
let off = 0;
/** The first evaluation strictly after t (a condition on time() - x > threshold first holds there). */
const evalAfter = (t: number) => {
  const k = Math.floor((t - FROM - off) / STEP) + 1;
  return FROM + off + k * STEP;
};
/** The first evaluation whose sample includes an event at t (sampled at the first grid instant >= t). */
const evalSeeing = (t: number) => FROM + Math.ceil((t - FROM) / STEP) * STEP + off;
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/**
 * A condition that holds from evaluation `onMs` to the one before `offMs` (null: to the end): the alert fires
 * `forMs` after it starts holding (if it still holds then), and resolves keep_firing_for after it stops.
 */
function expected(onMs: number, offMs: number | null, forMs: number, keepMs: number) {
  const start = onMs + forMs;
  if (start > TO || (offMs !== null && start >= offMs)) return null;
  const end = offMs === null || offMs + keepMs > TO ? null : offMs + keepMs;
  return { start: iso(Math.max(start, FROM)), end: end === null ? null : iso(end) };
}

const stuckExpected = (s: Stuck, thresholdH: number) =>
  expected(
    evalAfter(s.submittedMs + thresholdH * HOUR),
    s.approvedMs === null ? null : evalSeeing(s.approvedMs),
    5 * MIN,
    10 * MIN,
  );

const byWorkshop = (alerts: AlertJson[], name: string) =>
  new Map(alerts.filter((a) => a.alertname === name).map((a) => [a.labels.workshop_id!, a.firing]));

// the per-workshop recording rules backfilled by promtool (as at this size), and inlined into the alerts (as at scale)
describe.each([
  ['backfilled', Infinity],
  ['inlined', 0],
])('npm run backtest on a scenario with known waiting times, per-workshop rules %s', (mode, inlineAbove) => {
  let sc: ReturnType<typeof scenario>;
  let doc: BacktestJson;
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase('wa_backtest');
    sc = scenario(1515);
    await storeEvents(url, sc.events);
    const opts = checkBacktestOptions({
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      step: '1m',
      alert: ['WorkshopApplicationStuck', 'WorkshopChurnRisk'],
      set: ['WorkshopApplicationStuck.threshold=36h'],
    });
    const prepared = await backtestCommand.prepare(root, opts);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('BEGIN READ ONLY');
      const run = await prepared.runRaw(c, 7, (m) => console.error(m), { inlineWorkshopRulesAbove: inlineAbove });
      expect(run.stats.inlinedWorkshopRules).toBe(mode === 'inlined');
      doc = backtestJson(run);
      off = run.evaluationOffsetMs;
    } finally {
      await c.end();
    }
  }, 300_000);

  it('reports WorkshopApplicationStuck for exactly the workshops that waited more than 48 h, from submission + 48 h + for', () => {
    const got = byWorkshop(doc.baseline_alerts!, 'WorkshopApplicationStuck');
    const want = new Map(
      sc.stuck.flatMap((s) => {
        const e = stuckExpected(s, 48);
        return e ? [[s.id, [e]]] : [];
      }),
    );
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    const waitedLong = sc.stuck.filter((s) => (s.approvedMs ?? TO) - s.submittedMs > 48 * HOUR).map((s) => s.id);
    expect([...got.keys()].sort()).toEqual(waitedLong.sort());
  });

  it('with --set WorkshopApplicationStuck.threshold=36h, reports exactly those that waited more than 36 h', () => {
    const got = byWorkshop(doc.alerts, 'WorkshopApplicationStuck');
    const want = new Map(
      sc.stuck.flatMap((s) => {
        const e = stuckExpected(s, 36);
        return e ? [[s.id, [e]]] : [];
      }),
    );
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    const waited = sc.stuck.filter((s) => (s.approvedMs ?? TO) - s.submittedMs > 36 * HOUR).map((s) => s.id);
    expect([...got.keys()].sort()).toEqual(waited.sort());
  });

  it('reports WorkshopChurnRisk for the workshops silent for more than 14 days without inviting anyone', () => {
    const got = byWorkshop(doc.baseline_alerts!, 'WorkshopChurnRisk');
    const want = new Map(
      sc.quiet.flatMap((q) => {
        if (q.inviteMs !== null && q.inviteMs + 14 * DAY > TO) return [];
        const back = q.backMs === null ? null : evalSeeing(q.backMs);
        const e = expected(evalAfter(q.silentFromMs + 14 * DAY), back, 15 * MIN, 10 * MIN);
        return e ? [[q.id, [e]]] : [];
      }),
    );
    expect(want.size).toBe(2);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
    // --set changed only the application threshold
    expect(byWorkshop(doc.alerts, 'WorkshopChurnRisk')).toEqual(got);
  });

  it('answers the documented JSON shape', () => {
    expect(Object.keys(doc)).toEqual(['from', 'to', 'step_seconds', 'alerts', 'baseline_alerts']);
    expect(doc.from).toBe('2026-03-03T00:00:00Z');
    expect(doc.step_seconds).toBe(60);
    for (const a of [...doc.alerts, ...doc.baseline_alerts!]) {
      expect(a.labels.severity).toBe('critical');
      for (const f of a.firing) expect(f.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    }
  });
});
