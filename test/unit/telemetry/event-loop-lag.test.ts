/** The event-loop lag gauges' window (src/telemetry/event-loop-lag.ts) against statistics computed here. */
import fc from 'fast-check';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_LAG_METRICS, LagWindow, registerEventLoopLag } from '../../../src/telemetry/event-loop-lag.js';
import { createTelemetry } from '../../../src/telemetry/metrics.js';

/** HdrHistogram's choice: the value at rank max(1, round(p% × n)) of the sorted samples. */
const percentile = (sorted: number[], p: number) => sorted[Math.max(1, Math.round((p / 100) * sorted.length)) - 1]!;

describe('LagWindow', () => {
  it('gives the min, max, mean, population stddev and percentiles of the samples since the last take', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2_000_000_000 }), { minLength: 1, maxLength: 400 }), (xs) => {
        const w = new LagWindow();
        for (const x of xs) w.record(x);
        const sorted = [...xs].sort((a, b) => a - b);
        const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
        const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
        const s = w.take();
        expect(s.min).toBe(sorted[0]);
        expect(s.max).toBe(sorted[sorted.length - 1]);
        expect(s.mean).toBeCloseTo(mean, 3);
        expect(s.stddev).toBeCloseTo(Math.sqrt(variance), 3);
        expect([s.p50, s.p90, s.p99]).toEqual([50, 90, 99].map((p) => percentile(sorted, p)));
      }),
      { numRuns: 200 },
    );
  });

  it('starts a new window at each take; an empty one reads as an empty HdrHistogram (min 2^63, max 0, NaN)', () => {
    const w = new LagWindow();
    w.record(5);
    w.record(7);
    expect(w.take()).toMatchObject({ min: 5, max: 7, mean: 6, stddev: 1, p50: 5, p99: 7 });
    expect(w.take()).toEqual({ min: 2 ** 63, max: 0, mean: NaN, stddev: NaN, p50: 0, p90: 0, p99: 0 });
    w.record(3);
    expect(w.take()).toMatchObject({ min: 3, max: 3, mean: 3, p50: 3 });
  });

  it('keeps the most recent samples for the percentiles when more than its capacity come between two takes', () => {
    const w = new LagWindow(4);
    for (const x of [100, 200, 1, 2, 3, 4]) w.record(x);
    const s = w.take();
    expect([s.min, s.max]).toEqual([1, 200]); // over every sample
    expect(s.p99).toBe(4); // over the last four
  });
});

describe('registerEventLoopLag', () => {
  it('exports the eight gauges of prom-client with their names; a blocked event loop shows as lag', async () => {
    const registry = new Registry();
    const stop = registerEventLoopLag(registry);
    try {
      const until = performance.now() + 60;
      while (performance.now() < until); // block the loop 60 ms
      await new Promise((r) => setTimeout(r, 30));
      const text = await registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual([...EVENT_LOOP_LAG_METRICS]);
      expect(value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.03);
      expect(value('nodejs_eventloop_lag_p99_seconds')).toBe(value('nodejs_eventloop_lag_max_seconds'));
    } finally {
      stop();
    }
  });
});

describe('the Node.js default metrics a process serves', () => {
  it("are prom-client's defaults, in prom-client's order, with the same help, less the three *_total gauges", async () => {
    const reference = new Registry();
    collectDefaultMetrics({ register: reference });
    const left = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
    const expected = reference
      .getMetricsAsArray()
      .filter((m) => !left.includes(m.name))
      .map((m) => [m.name, m.help, m.type]);
    const telemetry = createTelemetry({ serviceName: 'unit', aggregator: false });
    try {
      expect(telemetry.registry.getMetricsAsArray().map((m) => [m.name, m.help, m.type])).toEqual(expected);
    } finally {
      await telemetry.shutdown();
      reference.clear();
    }
  });
});
