import { describe, expect, it } from 'vitest';
import type { MetricSpec } from '../../../src/catalogue/metric-catalogue.js';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import {
  LabelTexts,
  registerSnapshotGauges,
  renderSnapshotGauges,
  snapshotGaugesText,
  type SnapshotSample,
} from '../../../src/telemetry/kpi-gauges.js';

const SPECS: MetricSpec[] = [
  { name: 'unit_score', type: 'gauge', labels: ['workshop_id'], help: 'A score.' },
  { name: 'unit_count', type: 'gauge', labels: [], help: 'A count.' },
];

describe('snapshotGaugesText', () => {
  it('when the samples object is unchanged, then every scrape gets the text rendered once; a new object re-renders', async () => {
    let reads = 0;
    let current = new Map<string, SnapshotSample[]>([
      ['unit_score', [{ labels: { workshop_id: 'a' }, value: 1 }]],
      ['unit_count', [{ value: 7 }]],
    ]);
    const text = snapshotGaugesText(SPECS, () => {
      reads++;
      return current;
    });
    const first = await text.render();
    expect(first).toBe(
      '# HELP unit_score A score.\n# TYPE unit_score gauge\nunit_score{workshop_id="a"} 1\n\n' +
        '# HELP unit_count A count.\n# TYPE unit_count gauge\nunit_count 7\n',
    );
    // the same map: the bytes rendered once (the same Buffer), not a new render
    const bytes = await text.renderBuffer();
    expect(await text.renderBuffer()).toBe(bytes);
    expect(bytes.toString('utf8')).toBe(first);
    // samples() is asked at every render (to notice a new snapshot)
    expect(reads).toBe(3);
    current = new Map([
      ['unit_score', []],
      ['unit_count', [{ value: 8 }]],
    ]);
    expect(await text.render()).toBe(
      '# HELP unit_score A score.\n# TYPE unit_score gauge\n\n# HELP unit_count A count.\n# TYPE unit_count gauge\nunit_count 8\n',
    );
  });
});

describe('renderSnapshotGauges', () => {
  /** The reference: prom-client's own registry over the same gauges (what /metrics served before). */
  const promClient = async (specs: MetricSpec[], samples: Map<string, SnapshotSample[]>) => {
    const registry = new Registry();
    registerSnapshotGauges(registry, specs, () => samples);
    return registry.metrics();
  };
  const specs: MetricSpec[] = [
    {
      name: 'unit_info',
      type: 'gauge',
      labels: ['workshop_id', 'name'],
      help: 'Info with a \\ backslash\nand newline.',
    },
    { name: 'unit_plain', type: 'gauge', labels: [], help: 'Plain.' },
    { name: 'unit_empty', type: 'gauge', labels: ['workshop_id'], help: 'Empty.' },
  ];
  const label = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', '"', '\\', '\n', 'é', ' ', '{', '=') });
  const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0));

  it('writes byte for byte what prom-client writes: escaping, NaN and infinities, empty gauges', async () => {
    await fc.assert(
      fc.asyncProperty(
        // distinct label sets per gauge, as kpiGaugeSamples produces them (one per workshop)
        fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), name: label, value }), {
          maxLength: 8,
          selector: (r) => r.id,
        }),
        fc.option(value, { nil: undefined }),
        async (rows, plain) => {
          const samples = new Map<string, SnapshotSample[]>([
            ['unit_info', rows.map((r) => ({ labels: { workshop_id: r.id, name: r.name }, value: r.value }))],
            ['unit_plain', plain === undefined ? [] : [{ value: plain }]],
            ['unit_empty', []],
          ]);
          expect(renderSnapshotGauges(specs, samples)).toBe(await promClient(specs, samples));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reuses label texts by labels object across renders, forgets those not used, and renders a new object anew', () => {
    const specs: MetricSpec[] = [{ name: 'unit_info', type: 'gauge', labels: ['workshop_id', 'name'], help: 'I.' }];
    const cache = new LabelTexts();
    const a = { workshop_id: 'a', name: 'Old "A"' };
    const b = { workshop_id: 'b', name: 'B' };
    const render = (labels: Array<{ workshop_id: string; name: string }>) => {
      const samples = new Map([['unit_info', labels.map((l) => ({ labels: l, value: 1 }))]]);
      const text = renderSnapshotGauges(specs, samples, cache);
      cache.rotate();
      return text;
    };
    const head = '# HELP unit_info I.\n# TYPE unit_info gauge\n';
    expect(render([a, b])).toBe(
      `${head}unit_info{workshop_id="a",name="Old \\"A\\""} 1\nunit_info{workshop_id="b",name="B"} 1\n`,
    );
    // a renamed workshop comes as a new labels object: its new text, not the cached one
    const renamed = { workshop_id: 'a', name: 'New' };
    expect(render([renamed, b])).toBe(
      `${head}unit_info{workshop_id="a",name="New"} 1\nunit_info{workshop_id="b",name="B"} 1\n`,
    );
    // only the label sets of the last render are held after it: a workshop gone is forgotten
    render([b]);
    render([b]);
    expect(cache.size).toBe(1); // b's text alone
  });
});
