/**
 * Exports the aggregator's live snapshot as OpenTelemetry observable gauges. Each collection reports
 * only the series of the current snapshot, so a workshop that stops being pending or active drops out.
 */
import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import type { GaugeSnapshot, WorkshopGauges } from '../aggregate/gauge-refresher.js';
import { KPI_GAUGES } from './metric-catalogue.js';

export interface BetaSettings {
  start: string;
  end: string;
  targetMin: number;
  targetMax: number;
}

type Observe = (r: ObservableResult<Attributes>, s: GaugeSnapshot) => void;

const secs = (ms: number) => ms / 1000;
const perWorkshop = (status: WorkshopGauges['status'], value: (w: WorkshopGauges) => number | null): Observe => (r, s) => {
  for (const w of s.workshops) {
    if (w.status !== status) continue;
    const v = value(w);
    if (v !== null) r.observe(v, { workshop_id: w.workshopId });
  }
};

export function registerKpiGauges(meter: Meter, snapshot: () => GaugeSnapshot, beta: BetaSettings): void {
  const k = KPI_GAUGES;
  const count = (s: GaugeSnapshot, status: WorkshopGauges['status']) => s.workshops.filter((w) => w.status === status).length;
  const table: Array<[{ name: string; help: string }, Observe]> = [
    [k.applicationsPending, (r, s) => r.observe(count(s, 'pending'))],
    [k.submittedAt, perWorkshop('pending', (w) => (w.submittedAtMs === null ? null : secs(w.submittedAtMs)))],
    [k.lastAccess, perWorkshop('active', (w) => {
      const t = w.lastDashboardAccessMs ?? w.approvedAtMs;
      return t === null ? null : secs(t);
    })],
    [k.mechanicsActive, perWorkshop('active', (w) => w.mechanicsActive)],
    [k.capacity, perWorkshop('active', (w) => w.capacity)],
    [k.invitesSent, perWorkshop('active', (w) => w.invitesSent30d)],
    [k.invitesAccepted, perWorkshop('active', (w) => w.invitesAccepted30d)],
    [k.sessions, perWorkshop('active', (w) => w.sessions30d)],
    [k.health, perWorkshop('active', (w) => w.health?.score ?? null)],
    [k.info, (r, s) => {
      for (const w of s.workshops) {
        if (w.name !== null) r.observe(1, { workshop_id: w.workshopId, name: w.name, city: w.city ?? '', status: w.status ?? 'unknown' });
      }
    }],
    [k.activeWorkshops, (r, s) => r.observe(count(s, 'active'))],
    [k.suspendedWorkshops, (r, s) => r.observe(count(s, 'suspended'))],
    [k.signupsStarted24h, (r, s) => s.rolling && r.observe(s.rolling.signupsStarted24h)],
    [k.signupsCompleted24h, (r, s) => s.rolling && r.observe(s.rolling.signupsCompleted24h)],
    [k.emailsSent24h, (r, s) => s.rolling && r.observe(s.rolling.emailsSent24h)],
    [k.emailsFailed24h, (r, s) => s.rolling && r.observe(s.rolling.emailsFailed24h)],
    [k.approvals7d, (r, s) => s.rolling && r.observe(s.rolling.approvals7d)],
    [k.approvalTimeAvg7d, (r, s) => s.rolling?.approvalTimeAvg7dSeconds != null && r.observe(s.rolling.approvalTimeAvg7dSeconds)],
    [k.betaTargetMin, (r) => r.observe(beta.targetMin)],
    [k.betaTargetMax, (r) => r.observe(beta.targetMax)],
    [k.betaStart, (r) => r.observe(Date.parse(`${beta.start}T00:00:00Z`) / 1000)],
    [k.betaEnd, (r) => r.observe(Date.parse(`${beta.end}T00:00:00Z`) / 1000)],
    [k.jobLastSuccess, (r, s) => {
      for (const j of s.jobs) if (j.lastSuccessMs !== null) r.observe(secs(j.lastSuccessMs), { aggregator_job: j.job });
      if (s.refreshedAtMs !== null) r.observe(secs(s.refreshedAtMs), { aggregator_job: 'gauge_refresh' });
    }],
    [k.jobDuration, (r, s) => {
      for (const j of s.jobs) if (j.lastDurationSeconds !== null) r.observe(j.lastDurationSeconds, { aggregator_job: j.job });
      if (s.refreshSeconds !== null) r.observe(s.refreshSeconds, { aggregator_job: 'gauge_refresh' });
    }],
  ];
  for (const [spec, observe] of table) {
    meter.createObservableGauge(spec.name, { description: spec.help }).addCallback((r) => {
      observe(r, snapshot());
    });
  }
}
