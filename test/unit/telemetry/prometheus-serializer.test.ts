import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CachingPrometheusSerializer, counterFamilyText } from '../../../src/telemetry/prometheus-serializer.js';

/** The reference: OpenTelemetry's serializer with the options metrics.ts used before (and still mirrors). */
const reference = () =>
  new PrometheusSerializer(
    /* prefix */ undefined,
    /* appendTimestamp */ false,
    /* withResourceConstantLabels */ undefined,
    /* withoutTargetInfo */ false,
    /* withoutScopeInfo */ true,
  );

function provider(resource: Attributes = { 'service.name': 'unit' }) {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const meterProvider = new MeterProvider({ resource: resourceFromAttributes(resource), readers: [exporter] });
  const collect = async () => {
    const { resourceMetrics, errors } = await exporter.collect();
    expect(errors).toEqual([]);
    return resourceMetrics;
  };
  return { meter: meterProvider.getMeter('unit'), collect, shutdown: () => meterProvider.shutdown() };
}

describe('CachingPrometheusSerializer', () => {
  it('when counters, gauges and histograms move between two scrapes, then the second text has the new values', async () => {
    const p = provider();
    const requests = p.meter.createCounter('unit_requests', { description: 'Requests.' });
    const depth = p.meter.createGauge('unit_depth', { description: 'Depth.' });
    const seconds = p.meter.createHistogram('unit_seconds', {
      description: 'Seconds.',
      advice: { explicitBucketBoundaries: [0.1, 1] },
    });
    let observed = 3;
    p.meter
      .createObservableCounter('unit_observed', { description: 'Observed.' })
      .addCallback((r) => r.observe(observed, { kind: 'x' }));
    const labels = { route: '/a' };
    requests.add(2, labels);
    depth.record(7);
    seconds.record(0.05, labels);
    const serializer = new CachingPrometheusSerializer();
    const first = serializer.serialize(await p.collect());
    expect(first).toContain('unit_requests_total{route="/a"} 2\n');
    expect(first).toContain('unit_depth 7\n');
    expect(first).toContain('unit_observed_total{kind="x"} 3\n');
    expect(first).toContain(
      'unit_seconds_count{route="/a"} 1\nunit_seconds_sum{route="/a"} 0.05\n' +
        'unit_seconds_bucket{route="/a",le="0.1"} 1\nunit_seconds_bucket{route="/a",le="1"} 1\n' +
        'unit_seconds_bucket{route="/a",le="+Inf"} 1\n',
    );
    // the same series (the same attributes objects, kept by the SDK) with new values, and a new series
    requests.add(3, labels);
    requests.add(1, { route: '/b' });
    depth.record(4);
    seconds.record(0.5, labels);
    seconds.record(5, { route: '/a' });
    observed = 10;
    const second = serializer.serialize(await p.collect());
    expect(second).toContain('unit_requests_total{route="/a"} 5\nunit_requests_total{route="/b"} 1\n');
    expect(second).toContain('unit_depth 4\n');
    expect(second).toContain('unit_observed_total{kind="x"} 10\n');
    expect(second).toContain(
      'unit_seconds_count{route="/a"} 3\nunit_seconds_sum{route="/a"} 5.55\n' +
        'unit_seconds_bucket{route="/a",le="0.1"} 1\nunit_seconds_bucket{route="/a",le="1"} 2\n' +
        'unit_seconds_bucket{route="/a",le="+Inf"} 3\n',
    );
    expect(second).not.toContain(' 7\n');
    await p.shutdown();
  });

  it('when nothing is registered, then it writes target_info and the "no registered metrics" comment', async () => {
    const p = provider({ 'service.name': 'a "quoted"\\ name\n' });
    const text = new CachingPrometheusSerializer().serialize(await p.collect());
    expect(text).toBe(reference().serialize(await p.collect()));
    expect(text).toContain('service_name="a \\"quoted\\"\\\\ name\\n"');
    expect(text.endsWith('# no registered metrics')).toBe(true);
    await p.shutdown();
  });

  // ---- the same text as PrometheusSerializer, scrape after scrape, for generated instruments and records ----

  const nameArb = fc
    .tuple(
      fc.constantFrom('a', 'b', 'Z', 'x'),
      fc.string({ maxLength: 14, unit: fc.constantFrom('a', 'b', '1', '_', '.', '-', '/', 'T') }),
      fc.constantFrom('', '_total', '_seconds', '__', '.total'),
    )
    .map(([a, b, c]) => a + b + c);
  const text = fc.string({ maxLength: 10, unit: fc.constantFrom('a', ' ', '"', '\\', '\n', 'é', '{', '=', ',') });
  const attrValue: fc.Arbitrary<AttributeValue> = fc.oneof(
    text,
    fc.integer({ min: -5, max: 5 }),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.array(text, { maxLength: 2 }),
  );
  const attrKey = fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('k', 'v', '.', '-', '_', '1') });
  const attrsArb = fc.dictionary(attrKey, attrValue, { maxKeys: 3 });
  const kindArb = fc.constantFrom(
    'counter',
    'upDownCounter',
    'gauge',
    'histogram',
    'observableCounter',
    'observableGauge',
    'observableUpDownCounter',
  );
  const instrumentArb = fc.record({
    name: nameArb,
    kind: kindArb,
    description: fc.option(text, { nil: undefined }),
    unit: fc.option(fc.constantFrom('s', 'By', '1', 'ms\\x'), { nil: undefined }),
    boundaries: fc.uniqueArray(fc.double({ min: -10, max: 100, noNaN: true }), { maxLength: 4 }),
  });
  const valueArb = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.double({ min: -50, max: 1e6, noNaN: true }));

  it('writes byte for byte what PrometheusSerializer writes, at every collection, whichever attributes objects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(instrumentArb, { minLength: 0, maxLength: 6, selector: (i) => i.name.toLowerCase() }),
        fc.array(attrsArb, { minLength: 1, maxLength: 4 }),
        // rounds of records: [instrument index, attributes index, fresh copy of the attributes?, value]
        fc.array(fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean(), valueArb), { maxLength: 12 }), {
          minLength: 1,
          maxLength: 4,
        }),
        attrsArb,
        async (instruments, attrPool, rounds, resource) => {
          const p = provider(resource);
          const observed = new Map<number, Array<[Attributes, number]>>();
          const record = instruments.map((spec, i) => {
            const opts = {
              ...(spec.description !== undefined ? { description: spec.description } : {}),
              ...(spec.unit !== undefined ? { unit: spec.unit } : {}),
            };
            const observe = (o: {
              addCallback(cb: (r: { observe(v: number, a: Attributes): void }) => void): void;
            }) => {
              o.addCallback((r) => {
                for (const [a, v] of observed.get(i) ?? []) r.observe(v, a);
              });
              return (v: number, a: Attributes) => observed.set(i, [...(observed.get(i) ?? []), [a, v]]);
            };
            switch (spec.kind) {
              case 'counter': {
                const c = p.meter.createCounter(spec.name, opts);
                return (v: number, a: Attributes) => c.add(Math.abs(v), a);
              }
              case 'upDownCounter': {
                const c = p.meter.createUpDownCounter(spec.name, opts);
                return (v: number, a: Attributes) => c.add(v, a);
              }
              case 'gauge': {
                const g = p.meter.createGauge(spec.name, opts);
                return (v: number, a: Attributes) => g.record(v, a);
              }
              case 'histogram': {
                const boundaries = [...spec.boundaries].sort((x, y) => x - y);
                const h = p.meter.createHistogram(spec.name, {
                  ...opts,
                  advice: { explicitBucketBoundaries: boundaries },
                });
                return (v: number, a: Attributes) => h.record(Math.abs(v), a);
              }
              case 'observableCounter':
                return observe(p.meter.createObservableCounter(spec.name, opts));
              case 'observableGauge':
                return observe(p.meter.createObservableGauge(spec.name, opts));
              default:
                return observe(p.meter.createObservableUpDownCounter(spec.name, opts));
            }
          });
          const caching = new CachingPrometheusSerializer();
          const ref = reference();
          try {
            for (const round of rounds) {
              observed.clear();
              for (const [i, a, fresh, v] of round) {
                if (!record.length) break;
                const attrs = attrPool[a % attrPool.length]!;
                record[i % record.length]!(v, fresh ? { ...attrs } : attrs);
              }
              const metrics = await p.collect();
              expect(caching.serialize(metrics)).toBe(ref.serialize(metrics));
            }
          } finally {
            await p.shutdown();
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('counterFamilyText', () => {
  it('writes what PrometheusSerializer writes for an observable counter with those series and values, call after call', async () => {
    const series: Attributes[] = [
      { type: 'a', category: 'x', outcome: 'success' },
      { type: 'a "q"\\', category: 'x\ny', outcome: 'failure' },
      {},
    ];
    const help = 'Events \\ stored.\nSecond line.';
    const family = counterFamilyText('unit_events_total', help, series);
    let values = [0, 0, 0];
    const p = provider();
    p.meter
      .createObservableCounter('unit_events_total', { description: help })
      .addCallback((r) => series.forEach((a, i) => r.observe(values[i]!, a)));
    // the family's text in place of the SDK's, in the same exposition
    const withoutCounter = provider();
    for (const next of [
      [0, 0, 0],
      [3, 1, 0],
      [3, 7, 2],
    ]) {
      values = next;
      const reference = new PrometheusSerializer(undefined, false, undefined, false, true).serialize(await p.collect());
      const own = new PrometheusSerializer(undefined, false, undefined, false, true)
        .serialize(await withoutCounter.collect())
        .replace('# no registered metrics', '');
      expect(own + family(values)).toBe(reference);
    }
    expect(family([3, 7, 2])).toContain(
      'unit_events_total{type="a \\"q\\"\\\\",category="x\\ny",outcome="failure"} 7\n',
    );
    expect(() => family([1])).toThrow(/1 values for 3/);
    await Promise.all([p.shutdown(), withoutCounter.shutdown()]);
  });
});
