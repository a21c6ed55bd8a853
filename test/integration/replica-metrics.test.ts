/**
 * Which process exports what (docs/metrics.md): an ingest replica (AGGREGATOR_MODE=off) and the aggregator
 * (AGGREGATOR_MODE=only) on one real PostgreSQL, scraped over real HTTP. The replica's series do not grow with the
 * number of workshops; the aggregator serves its KPI gauges from the last refresh's snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { signupSuccess, uuid } from '../support/events.js';
import { postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
let replica: Svc;
let aggregator: Svc;

const scrape = async (svc: Svc) => (await fetch(`${svc.url}/metrics`)).text();
/** Sample lines (no comments) of an exposition. */
const samples = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const names = (text: string) => new Set(samples(text).map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0]));
const value = (text: string, series: string) => {
  const line = samples(text).find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

/** Signs up `n` new workshops through the ingest replica; resolves to their ids. */
async function signUp(n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, uuid);
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const res = await postEvents(replica.url, { events: ids.map((id) => signupSuccess(id, at)) });
  expect(res.status, res.text).toBe(202);
  return ids;
}

beforeAll(async () => {
  const db = await createTestDatabase();
  replica = await startTestService({ AGGREGATOR_MODE: 'off' }, db);
  aggregator = await startTestService({ AGGREGATOR_MODE: 'only' }, db);
}, 120_000);
afterAll(async () => {
  await Promise.all([replica?.stop(), aggregator?.stop()]);
});

describe('an ingest replica (AGGREGATOR_MODE=off)', () => {
  it('when workshops are added, then its /metrics keeps the same series: no per-workshop series, no KPI gauges', async () => {
    await signUp(3);
    const before = await scrape(replica);
    await signUp(40);
    const after = await scrape(replica);
    // the same series (names with labels), only values change
    const keys = (t: string) => samples(t).map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(
      keys(after).filter((k) => !k.startsWith('workshop_event_duration') && !k.startsWith('workshop_http')),
    ).toEqual(keys(before).filter((k) => !k.startsWith('workshop_event_duration') && !k.startsWith('workshop_http')));
    expect(after).not.toMatch(/workshop_id="/);
    const n = names(after);
    for (const kpi of [
      'workshop_info',
      'workshop_health_score',
      'workshop_applications_pending',
      'workshop_active_workshops',
      'workshop_aggregator_job_last_success_timestamp_seconds',
      'workshop_kpi_failures_total',
      'workshop_gauge_refresh_failures_total',
    ])
      expect(n.has(kpi), kpi).toBe(false);
    // its own process and ingest metrics stay, and the database probe (WorkshopAnalyticsDatabaseDown)
    expect(
      value(after, 'workshop_events_total{type="workshop_signup_success",category="signup",outcome="success"}'),
    ).toBe(43);
    expect(value(after, 'workshop_database_up')).toBe(1);
    expect(n.has('process_cpu_seconds_total')).toBe(true);
  });
});

describe('the aggregator (AGGREGATOR_MODE=only)', () => {
  it('then it exports the per-workshop gauges of the last refresh, and the same text until the next refresh', async () => {
    await signUp(5);
    await aggregator.aggregator.refresher.refresh();
    const first = await scrape(aggregator);
    const infos = samples(first).filter((l) => l.startsWith('workshop_info{'));
    const pending = value(first, 'workshop_applications_pending');
    expect(infos.length).toBe(pending);
    expect(pending).toBeGreaterThanOrEqual(5);
    // stored after the refresh: not on /metrics until the next refresh (the scrape does not rebuild the gauges)
    await signUp(2);
    const second = await scrape(aggregator);
    expect(value(second, 'workshop_applications_pending')).toBe(pending);
    expect(samples(second).filter((l) => l.startsWith('workshop_info{'))).toEqual(infos);
    await aggregator.aggregator.refresher.refresh();
    expect(value(await scrape(aggregator), 'workshop_applications_pending')).toBe(pending! + 2);
  });
});
