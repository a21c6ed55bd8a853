/**
 * The live KPI gauges as neutral samples: for each gauge of the metric catalogue (KPI_GAUGES), the series the
 * current snapshot holds. Telemetry exports them as they are; a workshop that stops being pending or active
 * has no sample, so its series drops out of /metrics (and its alert resolves).
 */
import { KPI_GAUGES, type MetricSpec } from '../catalogue/metric-catalogue.js';
import { defaultRegion } from '../catalogue/regions.js';
import { JOB_NAMES } from './aggregator-jobs.js';
import { betaApprovals, betaMilestones, type BetaSettings } from './beta-programme.js';
import type { GaugeSnapshot, WorkshopGauges } from './gauge-refresher.js';

/** One series of a gauge: its labels (none for a single-series gauge) and value. */
export interface GaugeSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Samples by metric name; every KPI gauge has an entry (possibly empty). */
export type GaugeSamples = ReadonlyMap<string, readonly GaugeSample[]>;

export type { BetaSettings };

/** The gauges sampled here: every gauge of KPI_GAUGES (its refresh-failure counter is the aggregator's own). */
export const LIVE_KPI_GAUGES: readonly MetricSpec[] = Object.values(KPI_GAUGES).filter((s) => s.type === 'gauge');

type Labels = Readonly<Record<string, string>>;
type Emit = (value: number, labels?: Labels) => void;
/** The labels objects of s.workshops[i]: `{workshop_id}` for its per-workshop gauges, and its workshop_info's. */
interface WorkshopLabels {
  readonly id: readonly Labels[];
  readonly info: readonly Labels[];
}
type Observe = (emit: Emit, s: GaugeSnapshot, labels: WorkshopLabels) => void;

const secs = (ms: number) => ms / 1000;
const perWorkshop =
  (status: WorkshopGauges['status'], value: (w: WorkshopGauges) => number | null): Observe =>
  (emit, s, labels) => {
    const list = s.workshops;
    for (let i = 0; i < list.length; i++) {
      const w = list[i]!;
      if (w.status !== status) continue;
      const v = value(w);
      if (v !== null) emit(v, labels.id[i]);
    }
  };

const infoLabels = (w: WorkshopGauges): Labels => ({
  workshop_id: w.workshopId,
  name: w.name ?? '',
  city: w.city ?? '',
  // a row projected before regions existed has none until `npm run rebuild-projections`
  region: w.region ?? defaultRegion(w.city) ?? '',
  status: w.status ?? 'unknown',
});
const sameLabels = (a: Labels, b: Labels) => {
  for (const k in a) if (a[k] !== b[k]) return false;
  return true;
};

/**
 * Gives each workshop the same labels objects from one snapshot to the next while its labels are unchanged (a new
 * object when they change), and one `{workshop_id}` object for all its gauges: the exposition renders each labels
 * object's text once and keeps it while the object is in use (telemetry's LabelTexts).
 */
function workshopLabels() {
  let ids = new Map<string, Labels>();
  let infos = new Map<string, Labels>();
  return (s: GaugeSnapshot): WorkshopLabels => {
    const nextIds = new Map<string, Labels>();
    const nextInfos = new Map<string, Labels>();
    const id: Labels[] = [];
    const info: Labels[] = [];
    for (const w of s.workshops) {
      const key = w.workshopId;
      const l = ids.get(key) ?? { workshop_id: key };
      nextIds.set(key, l);
      id.push(l);
      const fresh = infoLabels(w);
      const old = infos.get(key);
      const i = old !== undefined && sameLabels(old, fresh) ? old : fresh;
      nextInfos.set(key, i);
      info.push(i);
    }
    ids = nextIds;
    infos = nextInfos;
    return { id, info };
  };
}
const count = (s: GaugeSnapshot, status: WorkshopGauges['status']) =>
  s.workshops.filter((w) => w.status === status).length;

function observers(beta: BetaSettings): Array<[MetricSpec, Observe]> {
  const k = KPI_GAUGES;
  return [
    [k.applicationsPending, (emit, s) => emit(count(s, 'pending'))],
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
    [k.invitesResolved, perWorkshop('active', (w) => w.invitesResolved30d)],
    [k.lastInvite, perWorkshop('active', (w) => (w.lastInviteMs === null ? null : secs(w.lastInviteMs)))],
    [k.sessions, perWorkshop('active', (w) => w.sessions30d)],
    [k.health, perWorkshop('active', (w) => w.health?.score ?? null)],
    [
      k.info,
      (emit, s, labels) => {
        for (let i = 0; i < s.workshops.length; i++) if (s.workshops[i]!.name !== null) emit(1, labels.info[i]);
      },
    ],
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
    [k.betaWorkshops, (emit, s) => emit(betaApprovals(s.workshops, beta).length)],
    [
      k.betaMilestone,
      (emit, s) => {
        for (const m of betaMilestones(betaApprovals(s.workshops, beta), beta))
          emit(secs(m.reachedAtMs), { milestone: m.milestone });
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
 * snapshot object on every refresh), so a scrape reads them instead of rebuilding them.
 */
export function kpiGaugeSamples(
  snapshot: () => GaugeSnapshot,
  beta: BetaSettings,
  databaseUp: () => boolean | null = () => null,
): () => GaugeSamples {
  const table = observers(beta);
  const labelsOf = workshopLabels();
  let last: { snapshot: GaugeSnapshot; up: boolean | null; samples: GaugeSamples } | undefined;
  return () => {
    const s = snapshot();
    const up = databaseUp();
    if (last?.snapshot === s && last.up === up) return last.samples;
    const samples = new Map<string, GaugeSample[]>();
    const labels = labelsOf(s);
    for (const [spec, observe] of table) {
      const list: GaugeSample[] = [];
      observe((value, l) => list.push(l ? { labels: l, value } : { value }), s, labels);
      samples.set(spec.name, list);
    }
    // absent until the first probe has answered
    samples.set(KPI_GAUGES.databaseUp.name, up === null ? [] : [{ value: up ? 1 : 0 }]);
    last = { snapshot: s, up, samples };
    return samples;
  };
}
