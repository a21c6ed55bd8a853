/**
 * Exports the aggregator's live snapshot as gauges on /metrics. Each scrape resets every gauge and sets only
 * the series of the current snapshot, so a workshop that stops being pending or active drops out (and its
 * alert resolves). prom-client's collect() hook does exactly that; OpenTelemetry JS observable gauges keep
 * exporting attribute sets that are no longer observed, which would keep such alerts firing forever.
 */
import { Gauge, type Registry } from 'prom-client';
import type { GaugeSnapshot, WorkshopGauges } from '../aggregate/gauge-refresher.js';
import { KPI_GAUGES, type MetricSpec } from './metric-catalogue.js';

type Labels = Record<string, string>;
interface ObservableResult {
  observe(value: number, labels?: Labels): void;
}

export interface BetaSettings {
  start: string;
  end: string;
  targetMin: number;
  targetMax: number;
}

type Observe = (r: ObservableResult, s: GaugeSnapshot) => void;

const secs = (ms: number) => ms / 1000;
const perWorkshop =
  (status: WorkshopGauges['status'], value: (w: WorkshopGauges) => number | null): Observe =>
  (r, s) => {
    for (const w of s.workshops) {
      if (w.status !== status) continue;
      const v = value(w);
      if (v !== null) r.observe(v, { workshop_id: w.workshopId });
    }
  };

export function registerKpiGauges(registry: Registry, snapshot: () => GaugeSnapshot, beta: BetaSettings): void {
  const k = KPI_GAUGES;
  const count = (s: GaugeSnapshot, status: WorkshopGauges['status']) =>
    s.workshops.filter((w) => w.status === status).length;
  const table: Array<[MetricSpec, Observe]> = [
    [k.applicationsPending, (r, s) => r.observe(count(s, 'pending'))],
    [k.submittedAt, perWorkshop('pending', (w) => (w.submittedAtMs === null ? null : secs(w.submittedAtMs)))],
    [
      k.lastAccess,
      perWorkshop('active', (w) => {
        const t = w.lastDashboardAccessMs ?? w.approvedAtMs;
        return t === null ? null : secs(t);
      }),
    ],
    [k.mechanicsActive, perWorkshop('active', (w) => w.mechanicsActive)],
    [k.capacity, perWorkshop('active', (w) => w.capacity)],
    [k.invitesSent, perWorkshop('active', (w) => w.invitesSent30d)],
    [k.invitesAccepted, perWorkshop('active', (w) => w.invitesAccepted30d)],
    [k.sessions, perWorkshop('active', (w) => w.sessions30d)],
    [k.health, perWorkshop('active', (w) => w.health?.score ?? null)],
    [
      k.info,
      (r, s) => {
        for (const w of s.workshops) {
          if (w.name !== null)
            r.observe(1, {
              workshop_id: w.workshopId,
              name: w.name,
              city: w.city ?? '',
              status: w.status ?? 'unknown',
            });
        }
      },
    ],
    [k.activeWorkshops, (r, s) => r.observe(count(s, 'active'))],
    [k.suspendedWorkshops, (r, s) => r.observe(count(s, 'suspended'))],
    [k.signupsStarted24h, (r, s) => s.rolling && r.observe(s.rolling.signupsStarted24h)],
    [k.signupsCompleted24h, (r, s) => s.rolling && r.observe(s.rolling.signupsCompleted24h)],
    [k.emailsSent24h, (r, s) => s.rolling && r.observe(s.rolling.emailsSent24h)],
    [k.emailsFailed24h, (r, s) => s.rolling && r.observe(s.rolling.emailsFailed24h)],
    [k.approvals7d, (r, s) => s.rolling && r.observe(s.rolling.approvals7d)],
    [
      k.approvalTimeAvg7d,
      (r, s) => s.rolling?.approvalTimeAvg7dSeconds != null && r.observe(s.rolling.approvalTimeAvg7dSeconds),
    ],
    [k.betaTargetMin, (r) => r.observe(beta.targetMin)],
    [k.betaTargetMax, (r) => r.observe(beta.targetMax)],
    [k.betaStart, (r) => r.observe(Date.parse(`${beta.start}T00:00:00Z`) / 1000)],
    [k.betaEnd, (r) => r.observe(Date.parse(`${beta.end}T00:00:00Z`) / 1000)],
    [
      k.jobLastSuccess,
      (r, s) => {
        for (const j of s.jobs)
          if (j.lastSuccessMs !== null) r.observe(secs(j.lastSuccessMs), { aggregator_job: j.job });
        if (s.refreshedAtMs !== null) r.observe(secs(s.refreshedAtMs), { aggregator_job: 'gauge_refresh' });
      },
    ],
    [
      k.jobDuration,
      (r, s) => {
        for (const j of s.jobs)
          if (j.lastDurationSeconds !== null) r.observe(j.lastDurationSeconds, { aggregator_job: j.job });
        if (s.refreshSeconds !== null) r.observe(s.refreshSeconds, { aggregator_job: 'gauge_refresh' });
      },
    ],
  ];
  for (const [spec, observe] of table) {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labels],
      registers: [registry],
      collect() {
        this.reset();
        observe({ observe: (value, labels) => (labels ? this.set(labels, value) : this.set(value)) }, snapshot());
      },
    });
  }
}
