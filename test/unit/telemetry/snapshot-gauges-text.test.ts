import { describe, expect, it } from 'vitest';
import type { MetricSpec } from '../../../src/catalogue/metric-catalogue.js';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import {
  registerSnapshotGauges,
  SnapshotExposition,
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
});

describe('SnapshotExposition (incremental)', () => {
  type Row = { workshop_id: string; name: string };
  const specs: MetricSpec[] = [
    { name: 'unit_score', type: 'gauge', labels: ['workshop_id'], help: 'S.' },
    { name: 'unit_info', type: 'gauge', labels: ['workshop_id', 'name'], help: 'I.' },
    { name: 'unit_count', type: 'gauge', labels: [], help: 'C.' },
  ];
  /** The expected text, written out here from the rows (not by the code under test). */
  const expected = (score: Array<[string, number]>, info: Row[], count?: number) =>
    '# HELP unit_score S.\n# TYPE unit_score gauge\n' +
    score.map(([id, v]) => `unit_score{workshop_id="${id}"} ${v}\n`).join('') +
    '\n# HELP unit_info I.\n# TYPE unit_info gauge\n' +
    info.map((r) => `unit_info{workshop_id="${r.workshop_id}",name="${r.name}"} 1\n`).join('') +
    `\n# HELP unit_count C.\n# TYPE unit_count gauge\nunit_count ${count ?? 0}\n`;
  const map = (score: SnapshotSample[], info: SnapshotSample[], count?: number) =>
    new Map<string, SnapshotSample[]>([
      ['unit_score', score],
      ['unit_info', info],
      ['unit_count', count === undefined ? [] : [{ value: count }]],
    ]);
  const sample = (id: string, value: number): SnapshotSample => ({ labels: { workshop_id: id }, value });
  const info = (r: Row): SnapshotSample => ({ labels: r, value: 1 });

  it('when a value changes (a new sample object), then its line changes and the others stay', () => {
    const ex = new SnapshotExposition(specs);
    const a = sample('a', 1);
    const b = sample('b', 2);
    const c = sample('c', 3);
    expect(ex.render(map([a, b, c], [], 7)).toString()).toBe(
      expected(
        [
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ],
        [],
        7,
      ),
    );
    expect(ex.render(map([a, sample('b', 2.5), c], [], 8)).toString()).toBe(
      expected(
        [
          ['a', 1],
          ['b', 2.5],
          ['c', 3],
        ],
        [],
        8,
      ),
    );
  });

  it('copies the line of the very sample object it rendered before (so a sample must not change once rendered)', () => {
    const ex = new SnapshotExposition(specs);
    const a = { labels: { workshop_id: 'a' }, value: 1 };
    ex.render(map([a], []));
    a.value = 99; // breaks the contract on purpose: the same object is taken as unchanged
    expect(ex.render(map([a], [])).toString()).toContain('unit_score{workshop_id="a"} 1\n');
    // an equal but new object is rendered from its own value
    expect(ex.render(map([{ ...a }], [])).toString()).toContain('unit_score{workshop_id="a"} 99\n');
  });

  it('when a workshop is renamed (new labels, new sample), then workshop_info carries the new labels', () => {
    const ex = new SnapshotExposition(specs);
    const a: Row = { workshop_id: 'a', name: 'Old "A"' };
    const b: Row = { workshop_id: 'b', name: 'B' };
    const ib = info(b);
    ex.render(map([], [info(a), ib]));
    const renamed: Row = { workshop_id: 'a', name: 'New' };
    expect(ex.render(map([], [info(renamed), ib])).toString()).toBe(expected([], [renamed, b]));
  });

  it('when a workshop disappears, then its series drop out, and nothing of it is held', () => {
    const ex = new SnapshotExposition(specs);
    const rows: Row[] = [
      { workshop_id: 'a', name: 'A' },
      { workshop_id: 'b', name: 'B' },
    ];
    const [sa, sb] = [sample('a', 1), sample('b', 2)];
    const [ia, ib] = rows.map(info);
    ex.render(map([sa!, sb!], [ia!, ib!]));
    expect(ex.size).toBe(4);
    expect(ex.render(map([sb!], [ib!])).toString()).toBe(expected([['b', 2]], [rows[1]!]));
    expect(ex.size).toBe(2);
    expect(ex.render(map([], [])).toString()).toBe(expected([], []));
    expect(ex.size).toBe(0);
  });

  it('when workshops are inserted in the middle, reordered, or many leave at once, then the text follows', () => {
    const ex = new SnapshotExposition(specs);
    const ids = Array.from({ length: 40 }, (_, i) => `w${String(i).padStart(2, '0')}`);
    const s = new Map(ids.map((id, i) => [id, sample(id, i)]));
    const render = (order: string[]) =>
      ex
        .render(
          map(
            order.map((id) => s.get(id)!),
            [],
          ),
        )
        .toString();
    const text = (order: string[]) =>
      expected(
        order.map((id) => [id, Number(id.slice(1))]),
        [],
      );
    expect(render(ids)).toBe(text(ids));
    // a new workshop in the middle
    s.set('w10a', sample('w10a', 10.5));
    const inserted = [...ids.slice(0, 11), 'w10a', ...ids.slice(11)];
    expect(render(inserted)).toBe(
      expected(
        inserted.map((id) => [id, id === 'w10a' ? 10.5 : Number(id.slice(1))]),
        [],
      ),
    );
    // reversed
    expect(render([...ids].reverse())).toBe(text([...ids].reverse()));
    // 20 adjacent workshops leave at once (more than the look-ahead), the rest stay
    const kept = [...ids.slice(0, 5), ...ids.slice(25)];
    expect(render(kept)).toBe(text(kept));
    expect(render(ids)).toBe(text(ids));
  });

  it('renders any sequence of snapshots exactly as a from-scratch render of each', () => {
    const label = fc.string({ maxLength: 6, unit: fc.constantFrom('a', '"', '\\', '\n', 'é', ' ') });
    const value = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(NaN, Infinity, -0, 0.5));
    // a pool of sample objects per gauge, drawn from at each step (so objects recur, in any order, or change)
    const pool = fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 3 }), name: label, value }), {
      maxLength: 12,
      selector: (r) => r.id,
    });
    const step = fc.record({
      score: fc.uniqueArray(fc.nat(11), { maxLength: 12 }),
      info: fc.uniqueArray(fc.nat(11), { maxLength: 12 }),
      count: fc.option(value, { nil: undefined }),
      fresh: fc.boolean(),
    });
    fc.assert(
      fc.property(pool, fc.array(step, { minLength: 1, maxLength: 8 }), (rows, steps) => {
        const scores = rows.map((r) => sample(r.id, r.value));
        const infos = rows.map((r) => info({ workshop_id: r.id, name: r.name }));
        const ex = new SnapshotExposition(specs);
        for (const st of steps) {
          const pick = (list: SnapshotSample[], idx: number[]) =>
            idx.filter((i) => i < list.length).map((i) => (st.fresh ? { ...list[i]! } : list[i]!));
          const samples = map(pick(scores, st.score), pick(infos, st.info), st.count);
          expect(ex.render(samples).toString()).toBe(renderSnapshotGauges(specs, samples));
        }
      }),
      { numRuns: 300 },
    );
  });
});
