/**
 * What an ingest replica's /metrics text holds (createTelemetry with the aggregator off): its metric families are a
 * public contract (dashboards, alerts and recording rules read them), and every value is read at each scrape — a
 * counter that moved shows its new value on the next scrape, whatever the serializer keeps between scrapes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTelemetry, type Telemetry } from '../../../src/telemetry/metrics.js';

/** The families (name and type) a replica serves before any request: written out by hand, the contract. */
const REPLICA_FAMILIES = [
  'target_info gauge',
  'workshop_events_total counter',
  'workshop_ingest_duplicate_events_total counter',
  'workshop_ingest_pending_events gauge',
  'workshop_owner_notifications_total counter',
  'process_cpu_user_seconds_total counter',
  'process_cpu_system_seconds_total counter',
  'process_cpu_seconds_total counter',
  'process_start_time_seconds gauge',
  'process_resident_memory_bytes gauge',
  'process_virtual_memory_bytes gauge',
  'process_heap_bytes gauge',
  'process_open_fds gauge',
  'process_max_fds gauge',
  'nodejs_eventloop_lag_seconds gauge',
  'nodejs_eventloop_lag_min_seconds gauge',
  'nodejs_eventloop_lag_max_seconds gauge',
  'nodejs_eventloop_lag_mean_seconds gauge',
  'nodejs_eventloop_lag_stddev_seconds gauge',
  'nodejs_eventloop_lag_p50_seconds gauge',
  'nodejs_eventloop_lag_p90_seconds gauge',
  'nodejs_eventloop_lag_p99_seconds gauge',
  'nodejs_active_resources gauge',
  'nodejs_active_handles gauge',
  'nodejs_active_requests gauge',
  'nodejs_heap_size_total_bytes gauge',
  'nodejs_heap_size_used_bytes gauge',
  'nodejs_external_memory_bytes gauge',
  'nodejs_heap_space_size_total_bytes gauge',
  'nodejs_heap_space_size_used_bytes gauge',
  'nodejs_heap_space_size_available_bytes gauge',
  'nodejs_version_info gauge',
  'nodejs_gc_duration_seconds histogram',
];

const families = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.slice('# TYPE '.length));
/** The value of the sample `series` (name and labels exactly as written), or undefined. */
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

describe("an ingest replica's metrics text", () => {
  it('when it starts, then it serves exactly the contract families, each HELP and TYPE once, and no per-workshop label', async () => {
    telemetry = createTelemetry({ serviceName: 'unit', aggregator: false });
    const text = await telemetry.metricsText();
    expect([...families(text)].sort()).toEqual([...REPLICA_FAMILIES].sort());
    const helps = text.split('\n').filter((l) => l.startsWith('# HELP '));
    expect(helps).toHaveLength(REPLICA_FAMILIES.length);
    expect(text).not.toMatch(/workshop_id=/);
    // every catalogue event type at 0 from start-up, with its category and both outcomes (30 types × 2)
    expect(text.split('\n').filter((l) => l.startsWith('workshop_events_total{'))).toHaveLength(60);
    expect(
      value(text, 'workshop_events_total{type="workshop_signup_success",category="signup",outcome="failure"}'),
    ).toBe(0);
  });

  it('when events, requests and rejections are recorded between two scrapes, then the second shows the new values', async () => {
    telemetry = createTelemetry({ serviceName: 'unit', aggregator: false });
    const t = telemetry;
    const signup = (success: boolean, durationMs: number | null) => ({
      type: 'workshop_signup_success',
      category: 'signup',
      success,
      durationMs,
    });
    t.ingest.eventsStored([signup(true, 20), signup(true, null)]);
    t.http.request('GET', '/metrics', 200, 0.002);
    const first = await t.metricsText();
    const events = 'workshop_events_total{type="workshop_signup_success",category="signup",outcome="success"}';
    const failed = 'workshop_events_total{type="workshop_signup_success",category="signup",outcome="failure"}';
    const metricsRoute =
      'workshop_http_request_duration_seconds_count{method="GET",route="/metrics",status_code="200"}';
    expect(value(first, events)).toBe(2);
    expect(value(first, metricsRoute)).toBe(1);
    expect(value(first, 'workshop_ingest_duplicate_events_total')).toBe(0);

    t.ingest.eventsStored([signup(true, 30), signup(false, 4000)]);
    t.ingest.duplicates(3);
    t.ingest.rejected('invalid_event', 5);
    t.ingest.pending(12);
    t.http.request('GET', '/metrics', 200, 0.004);
    t.http.request('GET', '/metrics', 500, 0.01);
    const second = await t.metricsText();
    expect(value(second, events)).toBe(3);
    expect(value(second, failed)).toBe(1);
    expect(value(second, metricsRoute)).toBe(2);
    expect(value(second, metricsRoute.replace('_count', '_sum'))).toBeCloseTo(0.006, 12);
    expect(value(second, metricsRoute.replace('200', '500'))).toBe(1);
    expect(value(second, 'workshop_ingest_duplicate_events_total')).toBe(3);
    expect(value(second, 'workshop_ingest_events_rejected_total{reason="invalid_event"}')).toBe(5);
    expect(value(second, 'workshop_ingest_pending_events')).toBe(12);
    // durations 20, 30 and 4000 ms of one type: 3 observations, 4.05 s in all
    const duration = 'workshop_event_duration_seconds_count{type="workshop_signup_success",category="signup"}';
    expect(value(second, duration)).toBe(3);
    expect(value(second, duration.replace('_count', '_sum'))).toBeCloseTo(4.05, 12);
    // and again: nothing kept from the previous scrape's values
    t.ingest.eventsStored([signup(true, null)]);
    expect(value(await t.metricsText(), events)).toBe(4);
  });
});
