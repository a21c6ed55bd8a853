/**
 * The live KPI gauges as neutral samples: for each gauge of the metric catalogue (KPI_GAUGES), the series the
 * current snapshot holds. Telemetry exports them as they are; a workshop that stops being pending or active
 * has no sample, so its series drops out of /metrics (and its alert resolves).
 */
import { KPI_GAUGES, type MetricSpec } from '../catalogue/metric-catalogue.js';
import { JOB_NAMES } from './aggregator-jobs.js';
import { betaApprovals, betaMilestones, type BetaSettings } from './beta-programme.js';
import type { GaugeSnapshot, WorkshopGauges } from './gauge-refresher.js';
import { workshopSamples, type GaugeSample } from './workshop-samples.js';

export type { GaugeSample };

/** Samples by metric name; every KPI gauge has an entry (possibly empty). */
export type GaugeSamples = ReadonlyMap<string, readonly GaugeSample[]>;

export type { BetaSettings };

/** The gauges sampled here: every gauge of KPI_GAUGES (its refresh-failure counter is the aggregator's own). */
export const LIVE_KPI_GAUGES: readonly MetricSpec[] = Object.values(KPI_GAUGES).filter((s) => s.type === 'gauge');

type Emit = (value: number, labels?: Readonly<Record<string, string>>) => void;
type Observe = (emit: Emit, s: GaugeSnapshot) => void;

const secs = (ms: number) => ms / 1000;
const count = (s: GaugeSnapshot, status: WorkshopGauges['status']) => {
  let n = 0;
  for (const w of s.workshops) if (w.status === status) n++;
  return n;
};

function observers(beta: BetaSettings): Array<[MetricSpec, Observe]> {
  const k = KPI_GAUGES;
  // the beta approvals of the last snapshot asked (two gauges read them: one filter and sort of 50,000 rows)
  let last: { s: GaugeSnapshot; approvals: ReturnType<typeof betaApprovals> } | undefined;
  const approvals = (s: GaugeSnapshot) => {
    if (last?.s !== s) last = { s, approvals: betaApprovals(s.workshops, beta) };
    return last.approvals;
  };
  return [
    [k.applicationsPending, (emit, s) => emit(count(s, 'pending'))],
    [k.activeWorkshops, (emit, s) => emit(count(s, 'active'))],
    [k.suspendedWorkshops, (emit, s) => emit(count(s, 'suspended'))],
    [k.signupsStarted24h, (emit, s) => s.rolling && emit(s.rolling.signupsStarted24h)],
    [k.signupsCompleted24h, (emit, s) => s.rolling && emit(s.rolling.signupsCompleted24h)],
    [k.emailsSent24h, (emit, s) => s.rolling && emit(s.rolling.emailsSent24h)],
    [k.emailsFailed24h, (emit, s) => s.rolling && emit(s.rolling.emailsFailed24h)],
    [k.emailsSent1h, (emit, s) => s.rolling && emit(s.rolling.emailsSent1h)],
    [k.emailFailures1h, (emit, s) => s.rolling && emit(s.rolling.emailFailures1h)],
    [k.approvals7d, (emit, s) => s.rolling && emit(s.rolling.approvals7d)],
    [
      k.approvalTimeAvg7d,
      (emit, s) => s.rolling?.approvalTimeAvg7dSeconds != null && emit(s.rolling.approvalTimeAvg7dSeconds),
    ],
    [k.databaseUp, () => {}], // sampled from the database probe, not the snapshot (kpiGaugeSamples)
    [k.betaWorkshops, (emit, s) => emit(approvals(s).length)],
    [
      k.betaMilestone,
      (emit, s) => {
        for (const m of betaMilestones(approvals(s), beta)) emit(secs(m.reachedAtMs), { milestone: m.milestone });
      },
    ],
    [k.betaTargetMin, (emit) => emit(beta.targetMin)],
    [k.betaTargetMax, (emit) => emit(beta.targetMax)],
    [k.betaStart, (emit) => emit(Date.parse(`${beta.start}T00:00:00Z`) / 1000)],
    [k.betaEnd, (emit) => emit(Date.parse(`${beta.end}T00:00:00Z`) / 1000)],
    [
      k.jobLastSuccess,
      // every known job, 0 while it has never succeeded (so the staleness alert fires for it); the stored jobs
      // only once they have been read (before that, nothing is known about them)
      (emit, s) => {
        for (const job of JOB_NAMES) {
          if (job === 'gauge_refresh') {
            emit(s.refreshedAtMs === null ? 0 : secs(s.refreshedAtMs), { aggregator_job: job });
            continue;
          }
          if (!s.jobsRead) continue;
          const last = s.jobs.find((j) => j.job === job)?.lastSuccessMs ?? null;
          emit(last === null ? 0 : secs(last), { aggregator_job: job });
        }
      },
    ],
    [
      k.jobDuration,
      (emit, s) => {
        for (const j of s.jobs)
          if (j.lastDurationSeconds !== null) emit(j.lastDurationSeconds, { aggregator_job: j.job });
        if (s.refreshSeconds !== null) emit(s.refreshSeconds, { aggregator_job: 'gauge_refresh' });
      },
    ],
  ];
}

/**
 * Returns the samples of the current snapshot. They are computed once per snapshot (the refresher replaces the
 * snapshot object on every refresh), so a scrape reads them instead of rebuilding them. The per-workshop gauges'
 * sample objects are kept from one snapshot to the next while unchanged (workshop-samples.ts): the exposition
 * re-renders only the lines of new sample objects.
 */
export function kpiGaugeSamples(
  snapshot: () => GaugeSnapshot,
  beta: BetaSettings,
  databaseUp: () => boolean | null = () => null,
): () => GaugeSamples {
  const table = observers(beta);
  const perWorkshop = workshopSamples();
  let last: { snapshot: GaugeSnapshot; up: boolean | null; samples: GaugeSamples } | undefined;
  return () => {
    const s = snapshot();
    const up = databaseUp();
    if (last?.snapshot === s && last.up === up) return last.samples;
    const samples = last?.snapshot === s ? new Map(last.samples) : perWorkshop(s.workshops);
    for (const [spec, observe] of table) {
      const list: GaugeSample[] = [];
      observe((value, l) => list.push(l ? { labels: l, value } : { value }), s);
      samples.set(spec.name, list);
    }
    // absent until the first probe has answered
    samples.set(KPI_GAUGES.databaseUp.name, up === null ? [] : [{ value: up ? 1 : 0 }]);
    last = { snapshot: s, up, samples };
    return samples;
  };
}
