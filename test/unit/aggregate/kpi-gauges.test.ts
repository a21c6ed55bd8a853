/** The live KPI gauges as samples (src/aggregate/kpi-gauges.ts), from hand-built snapshots. */
import { describe, expect, it } from 'vitest';
import type { GaugeSnapshot, WorkshopGauges } from '../../../src/aggregate/gauge-refresher.js';
import { kpiGaugeSamples, LIVE_KPI_GAUGES } from '../../../src/aggregate/kpi-gauges.js';
import { KPI_GAUGES } from '../../../src/catalogue/metric-catalogue.js';
import { gaugesRow } from '../../support/fakes/fake-gauge-store.js';

const BETA = { start: '2026-03-15', end: '2026-05-15', targetMin: 3, targetMax: 5 };
const T = Date.UTC(2026, 3, 1, 12); // 2026-04-01T12:00Z

const workshop = (id: string, status: WorkshopGauges['status'], over: Partial<WorkshopGauges> = {}) =>
  gaugesRow(id, status, T, over);

const snapshot = (over: Partial<GaugeSnapshot> = {}): GaugeSnapshot => ({
  workshops: [
    workshop('p1', 'pending'),
    workshop('p2', 'pending', { submittedAtMs: null, name: null }),
    workshop('a1', 'active', { lastDashboardAccessMs: T - 60_000 }),
    workshop('a2', 'active', { capacity: null }),
    workshop('s1', 'suspended'),
  ],
  rolling: {
    signupsStarted24h: 9,
    signupsCompleted24h: 6,
    emailsSent24h: 20,
    emailsFailed24h: 2,
    approvals7d: 3,
    approvalTimeAvg7dSeconds: null,
  } as GaugeSnapshot['rolling'],
  jobs: [
    { job: 'daily_metrics', lastSuccessMs: T - 1000, lastDurationSeconds: 0.5 },
    { job: 'weekly_metrics', lastSuccessMs: null, lastDurationSeconds: null },
  ],
  jobsRead: true,
  refreshedAtMs: T,
  refreshSeconds: 0.25,
  ...over,
});

describe('kpiGaugeSamples', () => {
  const read = (s: GaugeSnapshot) => kpiGaugeSamples(() => s, BETA)();
  const k = KPI_GAUGES;

  it('has an entry for every live gauge of the catalogue, and for nothing else', () => {
    expect([...read(snapshot()).keys()].sort()).toEqual(LIVE_KPI_GAUGES.map((s) => s.name).sort());
    expect(LIVE_KPI_GAUGES.map((s) => s.name)).not.toContain(k.gaugeRefreshFailures.name);
  });

  it('counts workshops by status, and exports per-workshop series only for the status they describe', () => {
    const s = read(snapshot());
    expect(s.get(k.applicationsPending.name)).toEqual([{ value: 2 }]);
    expect(s.get(k.activeWorkshops.name)).toEqual([{ value: 2 }]);
    expect(s.get(k.suspendedWorkshops.name)).toEqual([{ value: 1 }]);
    // a pending workshop without a submission time has no series
    expect(s.get(k.submittedAt.name)).toEqual([{ labels: { workshop_id: 'p1' }, value: (T - 3_600_000) / 1000 }]);
    // last access, or the approval when the workshop never logged in
    expect(s.get(k.lastAccess.name)).toEqual([
      { labels: { workshop_id: 'a1' }, value: (T - 60_000) / 1000 },
      { labels: { workshop_id: 'a2' }, value: (T - 7_200_000) / 1000 },
    ]);
    // an unknown capacity has no series
    expect(s.get(k.capacity.name)).toEqual([{ labels: { workshop_id: 'a1' }, value: 10 }]);
    expect(s.get(k.health.name)).toEqual([
      { labels: { workshop_id: 'a1' }, value: 71 },
      { labels: { workshop_id: 'a2' }, value: 71 },
    ]);
  });

  it('joins names through workshop_info for every workshop that has a name', () => {
    const info = read(snapshot()).get(k.info.name)!;
    expect(info.map((x) => x.labels)).toEqual([
      { workshop_id: 'p1', name: 'W p1', city: 'Toronto', region: 'GTA', status: 'pending' },
      { workshop_id: 'a1', name: 'W a1', city: 'Toronto', region: 'GTA', status: 'active' },
      { workshop_id: 'a2', name: 'W a2', city: 'Toronto', region: 'GTA', status: 'active' },
      { workshop_id: 's1', name: 'W s1', city: 'Toronto', region: 'GTA', status: 'suspended' },
    ]);
    expect(info.every((x) => x.value === 1)).toBe(true);
  });

  it("labels workshop_info with the region; a row projected before regions existed gets its city's mapped region", () => {
    const info = read(
      snapshot({
        workshops: [
          workshop('a1', 'active', { region: 'Durham' }),
          workshop('a2', 'active', { region: null, city: 'Ottawa' }),
          workshop('a3', 'active', { region: null, city: 'Smallville' }),
          workshop('a4', 'active', { region: null, city: null }),
        ],
      }),
    ).get(k.info.name)!;
    expect(info.map((x) => [x.labels!.workshop_id, x.labels!.region])).toEqual([
      ['a1', 'Durham'],
      ['a2', 'Ottawa'],
      ['a3', 'Other Ontario'],
      ['a4', ''],
    ]);
  });

  it('leaves out what is unknown: no rolling counts, no approval average', () => {
    const s = read(snapshot({ rolling: null, refreshedAtMs: null, refreshSeconds: null }));
    expect(s.get(k.signupsStarted24h.name)).toEqual([]);
    expect(s.get(k.approvalTimeAvg7d.name)).toEqual([]);
  });

  it('exports every known job, 0 for one that never succeeded (a stored null, no row, or no successful refresh)', () => {
    const s = read(snapshot({ refreshedAtMs: null, refreshSeconds: null }));
    expect(s.get(k.jobLastSuccess.name)).toEqual([
      { labels: { aggregator_job: 'daily_metrics' }, value: (T - 1000) / 1000 },
      { labels: { aggregator_job: 'weekly_metrics' }, value: 0 },
      { labels: { aggregator_job: 'monthly_metrics' }, value: 0 },
      { labels: { aggregator_job: 'hourly_checks' }, value: 0 },
      { labels: { aggregator_job: 'gauge_refresh' }, value: 0 },
    ]);
    expect(read(snapshot()).get(k.jobLastSuccess.name)).toContainEqual({
      labels: { aggregator_job: 'gauge_refresh' },
      value: T / 1000,
    });
  });

  it('before the jobs were ever read, only gauge_refresh is exported (nothing is known of the others)', () => {
    const s = read(snapshot({ jobs: [], jobsRead: false }));
    expect(s.get(k.jobLastSuccess.name)).toEqual([{ labels: { aggregator_job: 'gauge_refresh' }, value: T / 1000 }]);
  });

  it('exports resolved invitations and the last invitation per active workshop', () => {
    const s = read(
      snapshot({ workshops: [workshop('a1', 'active', { lastInviteMs: T - 5000 }), workshop('a2', 'active')] }),
    );
    expect(s.get(k.invitesResolved.name)).toEqual([
      { labels: { workshop_id: 'a1' }, value: 2 },
      { labels: { workshop_id: 'a2' }, value: 2 },
    ]);
    expect(s.get(k.lastInvite.name)).toEqual([{ labels: { workshop_id: 'a1' }, value: (T - 5000) / 1000 }]);
  });

  it('exports the email counts of the last hour (occurred_at) beside the 24 h ones', () => {
    const rolling = { ...snapshot().rolling!, emailsSent1h: 7, emailFailures1h: 3 };
    const s = read(snapshot({ rolling }));
    expect(s.get(k.emailsSent1h.name)).toEqual([{ value: 7 }]);
    expect(s.get(k.emailFailures1h.name)).toEqual([{ value: 3 }]);
  });

  it('exports workshop_database_up from the probe: absent before its first answer, then 1 or 0', () => {
    let up: boolean | null = null;
    const s = snapshot();
    const samples = kpiGaugeSamples(
      () => s,
      BETA,
      () => up,
    );
    expect(samples().get(k.databaseUp.name)).toEqual([]);
    up = true;
    expect(samples().get(k.databaseUp.name)).toEqual([{ value: 1 }]);
    up = false;
    expect(samples().get(k.databaseUp.name)).toEqual([{ value: 0 }]);
  });

  it('exports the beta programme settings as gauges (dates as Unix seconds of their UTC midnight)', () => {
    const s = read(snapshot());
    expect(s.get(k.betaTargetMin.name)).toEqual([{ value: 3 }]);
    expect(s.get(k.betaTargetMax.name)).toEqual([{ value: 5 }]);
    expect(s.get(k.betaStart.name)).toEqual([{ value: Date.UTC(2026, 2, 15) / 1000 }]);
    expect(s.get(k.betaEnd.name)).toEqual([{ value: Date.UTC(2026, 4, 15) / 1000 }]);
  });

  describe('beta workshops and milestones (first approval within [BETA_START, BETA_END), by occurred_at)', () => {
    const at = (iso: string) => Date.parse(iso);
    const approved = (id: string, iso: string, status: WorkshopGauges['status'] = 'active') =>
      workshop(id, status, { approvedAtMs: at(iso) });
    const beta = (workshops: WorkshopGauges[]) => {
      const s = read(snapshot({ workshops }));
      return { count: s.get(k.betaWorkshops.name), milestones: s.get(k.betaMilestone.name) };
    };

    it('counts first approvals from the start midnight (included) to the end midnight (excluded), any status', () => {
      const { count, milestones } = beta([
        approved('b0', '2026-03-14T23:59:59.999Z'), // before the start
        approved('b1', '2026-03-15T00:00:00.000Z'), // the start itself
        approved('b2', '2026-03-20T08:00:00.000Z', 'suspended'), // onboarded, suspended since: still counts
        approved('b4', '2026-04-02T10:00:00.000Z'), // same instant as b3: b3 first (workshop id order)
        approved('b3', '2026-04-02T10:00:00.000Z'),
        approved('b5', '2026-05-14T23:59:59.999Z'), // the last millisecond of the window
        approved('b6', '2026-05-15T00:00:00.000Z'), // the end: not a beta workshop
        workshop('p1', 'pending'), // never approved
      ]);
      expect(count).toEqual([{ value: 5 }]);
      // 3rd beta workshop: b3 at 2026-04-02T10:00Z; 5th: b5
      expect(milestones).toEqual([
        { labels: { milestone: 'target_min' }, value: at('2026-04-02T10:00:00.000Z') / 1000 },
        { labels: { milestone: 'target_max' }, value: at('2026-05-14T23:59:59.999Z') / 1000 },
      ]);
    });

    it('orders by when the approval occurred, not by the order rows arrive: a late approval moves the milestone', () => {
      const early = [approved('c1', '2026-03-16T00:00:00Z'), approved('c2', '2026-03-17T00:00:00Z')];
      expect(beta([...early, approved('c3', '2026-04-10T00:00:00Z')]).milestones).toEqual([
        { labels: { milestone: 'target_min' }, value: at('2026-04-10T00:00:00Z') / 1000 },
      ]);
      // an approval of 2026-03-18 stored later: it is the 3rd beta workshop, so the milestone was reached then
      expect(
        beta([approved('c4', '2026-03-18T00:00:00Z'), ...early, approved('c3', '2026-04-10T00:00:00Z')]).milestones,
      ).toEqual([{ labels: { milestone: 'target_min' }, value: at('2026-03-18T00:00:00Z') / 1000 }]);
    });

    it('exports no milestone series until it is reached (2 of 3: none; 4: target_min only)', () => {
      const days = ['2026-03-20', '2026-03-21', '2026-03-22', '2026-03-23'].map((d, i) =>
        approved(`d${i}`, `${d}T12:00:00Z`),
      );
      expect(beta(days.slice(0, 2))).toEqual({ count: [{ value: 2 }], milestones: [] });
      expect(beta(days)).toEqual({
        count: [{ value: 4 }],
        milestones: [{ labels: { milestone: 'target_min' }, value: at('2026-03-22T12:00:00Z') / 1000 }],
      });
      expect(beta([])).toEqual({ count: [{ value: 0 }], milestones: [] });
    });
  });

  it('computes the samples once per snapshot, and again when the snapshot is replaced', () => {
    let current = snapshot();
    const samples = kpiGaugeSamples(() => current, BETA);
    const first = samples();
    expect(samples()).toBe(first);
    current = snapshot({ workshops: [] });
    const second = samples();
    expect(second).not.toBe(first);
    expect(second.get(k.applicationsPending.name)).toEqual([{ value: 0 }]);
  });

  it('keeps a workshop its labels objects across snapshots while they are unchanged, and a new one when they change', () => {
    let current = snapshot();
    const samples = kpiGaugeSamples(() => current, BETA);
    const labelsOf = (s: ReturnType<typeof samples>, metric: string, id: string) =>
      s.get(metric)!.find((x) => x.labels?.workshop_id === id)!.labels;
    const first = samples();
    // one {workshop_id} object for all the gauges of a workshop
    expect(labelsOf(first, k.health.name, 'a1')).toBe(labelsOf(first, k.sessions.name, 'a1'));
    current = snapshot({
      workshops: [
        workshop('a1', 'active', { lastDashboardAccessMs: T - 60_000, sessions30d: 9 }), // a value changes
        workshop('a2', 'active', { capacity: null, name: 'Renamed' }), // a label changes
      ],
    });
    const second = samples();
    expect(labelsOf(second, k.sessions.name, 'a1')).toBe(labelsOf(first, k.sessions.name, 'a1'));
    expect(labelsOf(second, k.info.name, 'a1')).toBe(labelsOf(first, k.info.name, 'a1'));
    expect(labelsOf(second, k.info.name, 'a2')).not.toBe(labelsOf(first, k.info.name, 'a2'));
    expect(labelsOf(second, k.info.name, 'a2')).toEqual({
      workshop_id: 'a2',
      name: 'Renamed',
      city: 'Toronto',
      region: 'GTA',
      status: 'active',
    });
    expect(second.get(k.sessions.name)).toContainEqual({ labels: { workshop_id: 'a1' }, value: 9 });
  });
});
