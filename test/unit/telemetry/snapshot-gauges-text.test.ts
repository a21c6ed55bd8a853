import { describe, expect, it } from 'vitest';
import type { MetricSpec } from '../../../src/catalogue/metric-catalogue.js';
import { snapshotGaugesText, type SnapshotSample } from '../../../src/telemetry/kpi-gauges.js';

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
    // the same map: the cached promise (the same string), not a new render
    const rendered = text.render();
    expect(rendered).toBe(text.render());
    expect(await rendered).toBe(first);
    // samples() is asked at every render (to notice a new snapshot), the gauges' collect() only once per map
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
