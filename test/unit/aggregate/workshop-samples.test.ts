/**
 * The per-workshop gauges' samples kept from one snapshot to the next (src/aggregate/workshop-samples.ts), and the
 * whole path the aggregator serves — kpiGaugeSamples then snapshotGaugesText — rendered incrementally against a
 * from-scratch render of every snapshot.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GaugeSnapshot, WorkshopGauges } from '../../../src/aggregate/gauge-refresher.js';
import { kpiGaugeSamples, LIVE_KPI_GAUGES } from '../../../src/aggregate/kpi-gauges.js';
import { workshopSamples } from '../../../src/aggregate/workshop-samples.js';
import { KPI_GAUGES } from '../../../src/catalogue/metric-catalogue.js';
import { snapshotGaugesText } from '../../../src/telemetry/kpi-gauges.js';
import { gaugesRow } from '../../support/fakes/fake-gauge-store.js';

const T = Date.UTC(2026, 3, 1, 12);
const k = KPI_GAUGES;
const BETA = { start: '2026-03-15', end: '2026-05-15', targetMin: 1, targetMax: 2 };

const workshop = (id: string, status: WorkshopGauges['status'], over: Partial<WorkshopGauges> = {}) =>
  gaugesRow(id, status, T, over);

const of = (samples: ReturnType<ReturnType<typeof workshopSamples>>, metric: string, id: string) =>
  samples.get(metric)!.find((s) => s.labels?.workshop_id === id);

describe('workshopSamples', () => {
  it('when a new row object has the same values, then every sample of the workshop is the same object', () => {
    const sample = workshopSamples();
    const first = sample([workshop('a1', 'active'), workshop('p1', 'pending')]);
    const second = sample([workshop('a1', 'active'), workshop('p1', 'pending')]);
    for (const [metric, list] of first) {
      expect(second.get(metric)!.length).toBe(list.length);
      list.forEach((s, i) => expect(second.get(metric)![i]).toBe(s));
    }
  });

  it('when a value changes, then only that gauge gets a new sample (with the new value)', () => {
    const sample = workshopSamples();
    const first = sample([workshop('a1', 'active'), workshop('a2', 'active')]);
    const second = sample([workshop('a1', 'active', { sessions30d: 6 }), workshop('a2', 'active')]);
    expect(of(second, k.sessions.name, 'a1')).not.toBe(of(first, k.sessions.name, 'a1'));
    expect(of(second, k.sessions.name, 'a1')).toEqual({ labels: { workshop_id: 'a1' }, value: 6 });
    expect(of(second, k.capacity.name, 'a1')).toBe(of(first, k.capacity.name, 'a1'));
    expect(of(second, k.sessions.name, 'a2')).toBe(of(first, k.sessions.name, 'a2'));
  });

  it('when the row is the same object, then its samples are kept without looking at its values', () => {
    const sample = workshopSamples();
    const row = workshop('a1', 'active');
    const first = sample([row]);
    row.sessions30d = 99; // the refresher promises a new object for a changed row: this one breaks it on purpose
    expect(of(sample([row]), k.sessions.name, 'a1')).toBe(of(first, k.sessions.name, 'a1'));
  });

  it('when a workshop is renamed, then workshop_info gets new labels and its {workshop_id} gauges are kept', () => {
    const sample = workshopSamples();
    const first = sample([workshop('a1', 'active')]);
    const second = sample([workshop('a1', 'active', { name: 'Renamed' })]);
    expect(of(second, k.info.name, 'a1')!.labels).toEqual({
      workshop_id: 'a1',
      name: 'Renamed',
      city: 'Toronto',
      region: 'GTA',
      status: 'active',
    });
    expect(of(second, k.health.name, 'a1')).toBe(of(first, k.health.name, 'a1'));
  });

  it('when a workshop leaves or is suspended, then its per-workshop series drop out; a new one comes in its place', () => {
    const sample = workshopSamples();
    sample([workshop('a1', 'active'), workshop('a2', 'active'), workshop('a3', 'active')]);
    const second = sample([
      workshop('a1', 'active'),
      workshop('a15', 'active', { sessions30d: 1 }), // new, in the middle
      workshop('a2', 'suspended'),
    ]);
    expect(second.get(k.sessions.name)!.map((s) => [s.labels!.workshop_id, s.value])).toEqual([
      ['a1', 5],
      ['a15', 1],
    ]);
    expect(second.get(k.info.name)!.map((s) => [s.labels!.workshop_id, s.labels!.status])).toEqual([
      ['a1', 'active'],
      ['a15', 'active'],
      ['a2', 'suspended'],
    ]);
  });

  // rows drawn from a small pool of ids and values, in any order, sometimes the very object of the last step
  const row = fc.record({
    id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
    status: fc.constantFrom('pending', 'active', 'suspended', 'rejected', null),
    sessions: fc.integer({ min: 0, max: 2 }),
    name: fc.constantFrom('N', 'M', null),
    score: fc.constantFrom(50, 71, NaN),
    approvedAtMs: fc.constantFrom(null, Date.UTC(2026, 3, 1), Date.UTC(2026, 3, 2)),
  });
  const steps = fc.array(
    fc.record({ rows: fc.uniqueArray(row, { selector: (r) => r.id, maxLength: 8 }), keep: fc.boolean() }),
    { minLength: 1, maxLength: 6 },
  );
  const toRows = (rows: Array<typeof row extends fc.Arbitrary<infer R> ? R : never>) =>
    rows.map((r) =>
      workshop(r.id, r.status as WorkshopGauges['status'], {
        sessions30d: r.sessions,
        name: r.name,
        approvedAtMs: r.approvedAtMs,
        health: r.status === 'active' ? { score: r.score, status: 'healthy' } : null,
      }),
    );

  it('gives the same samples as a from-scratch sampling, over any sequence of snapshots', () => {
    fc.assert(
      fc.property(steps, (seq) => {
        const incremental = workshopSamples();
        let last: WorkshopGauges[] = [];
        for (const st of seq) {
          const rows = toRows(st.rows).map((w) =>
            st.keep ? (last.find((l) => l.workshopId === w.workshopId) ?? w) : w,
          );
          last = rows;
          expect(incremental(rows)).toEqual(workshopSamples()(rows));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('serves, through kpiGaugeSamples and snapshotGaugesText, the text of a from-scratch render of each snapshot', async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (seq) => {
        let current: GaugeSnapshot = {
          workshops: [],
          rolling: null,
          jobs: [],
          jobsRead: true,
          refreshedAtMs: T,
          refreshSeconds: 0.1,
        };
        const served = snapshotGaugesText(
          LIVE_KPI_GAUGES,
          kpiGaugeSamples(() => current, BETA),
        );
        for (const st of seq) {
          const rows = toRows(st.rows).map((w) =>
            st.keep ? (current.workshops.find((l) => l.workshopId === w.workshopId) ?? w) : w,
          );
          current = { ...current, workshops: rows };
          const fresh = snapshotGaugesText(
            LIVE_KPI_GAUGES,
            kpiGaugeSamples(() => current, BETA),
          );
          const bytes = await served.renderBuffer();
          expect(bytes.toString('utf8')).toBe(await fresh.render());
          // every workshop that has a name is in workshop_info, and only those (counted here from the rows)
          const infoLines = bytes
            .toString('utf8')
            .split('\n')
            .filter((l) => l.startsWith(`${k.info.name}{`));
          expect(infoLines.length).toBe(rows.filter((w) => w.name !== null).length);
        }
      }),
      { numRuns: 150 },
    );
  });
});
