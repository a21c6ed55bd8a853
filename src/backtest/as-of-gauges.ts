/**
 * The KPI gauges the replayable alerts read, as they would have been exported at one instant: the neutral state
 * (AsOfGauges) that both the as-of SQL (as-of-gauge-store.ts, the reference) and the incremental replay
 * (gauge-replay.ts) compute, and its samples by metric name, following the live exporter's rules
 * (src/aggregate/kpi-gauges.ts: a pending workshop exports its submission time, an active one its activity).
 */
import { KPI_GAUGES } from '../catalogue/metric-catalogue.js';

export type AsOfStatus = 'pending' | 'active' | 'rejected' | 'suspended';

export interface AsOfWorkshop {
  readonly workshopId: string;
  readonly status: AsOfStatus | null;
  readonly submittedAtMs: number | null;
  readonly approvedAtMs: number | null;
  readonly lastAccessMs: number | null;
  readonly lastInviteMs: number | null;
  readonly invitesAccepted30d: number;
  readonly invitesResolved30d: number;
  readonly mechanicsActive: number;
  readonly capacity: number | null;
  readonly sessions30d: number;
}

export interface AsOfRolling {
  readonly signupsStarted24h: number;
  readonly signupsCompleted24h: number;
  readonly emailsSent24h: number;
  readonly emailsFailed24h: number;
  readonly emailFailures1h: number;
  readonly approvals7d: number;
  readonly approvalTimeAvg7dSeconds: number | null;
}

export interface AsOfGauges {
  readonly atMs: number;
  /** Ordered by workshop id. */
  readonly workshops: readonly AsOfWorkshop[];
  readonly rolling: AsOfRolling;
}

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const K = KPI_GAUGES;
const secs = (ms: number) => ms / 1000;
/** The labels of a programme-wide series. */
export const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const labelObjects = new Map<string, Readonly<Record<string, string>>>();
/** The labels of workshop `id`'s series: one frozen object per workshop, so the writer formats its text once. */
export const labelsOf = (id: string) => {
  let l = labelObjects.get(id);
  if (!l) labelObjects.set(id, (l = Object.freeze({ workshop_id: id })));
  return l;
};

/** The per-workshop metrics (a series per workshop, label workshop_id), in the order of `workshopValues`. */
export const WORKSHOP_METRICS: readonly string[] = [
  K.submittedAt,
  K.lastAccess,
  K.lastInvite,
  K.invitesAccepted,
  K.invitesResolved,
  K.mechanicsActive,
  K.capacity,
  K.sessions,
].map((s) => s.name);

/**
 * The value of each of WORKSHOP_METRICS for `w` (null: not exported), following the live exporter: a pending
 * workshop exports its submission time, an active one its activity.
 */
export function workshopValues(w: AsOfWorkshop): Array<number | null> {
  const submitted = w.status === 'pending' && w.submittedAtMs !== null ? secs(w.submittedAtMs) : null;
  if (w.status !== 'active') return [submitted, null, null, null, null, null, null, null];
  const access = w.lastAccessMs ?? w.approvedAtMs;
  return [
    submitted,
    access === null ? null : secs(access),
    w.lastInviteMs === null ? null : secs(w.lastInviteMs),
    w.invitesAccepted30d,
    w.invitesResolved30d,
    w.mechanicsActive,
    w.capacity,
    w.sessions30d,
  ];
}

/** The programme-wide metrics (one series each, no label), in the order of `programmeValues`. */
export const PROGRAMME_METRICS: readonly string[] = [
  K.applicationsPending,
  K.signupsStarted24h,
  K.signupsCompleted24h,
  K.emailsSent24h,
  K.emailsFailed24h,
  K.emailFailures1h,
  K.approvals7d,
  K.approvalTimeAvg7d,
].map((s) => s.name);

/** The value of each of PROGRAMME_METRICS (null: not exported), given the number of pending workshops. */
export function programmeValues(pending: number, r: AsOfRolling): Array<number | null> {
  return [
    pending,
    r.signupsStarted24h,
    r.signupsCompleted24h,
    r.emailsSent24h,
    r.emailsFailed24h,
    r.emailFailures1h,
    r.approvals7d,
    r.approvalTimeAvg7dSeconds,
  ];
}

/** The metric names a backtest rebuilds from the event log, in the order they are written. */
export const REPLAYED_METRICS: readonly string[] = [...WORKSHOP_METRICS, ...PROGRAMME_METRICS];

/** The samples of `g` by metric name (every name of REPLAYED_METRICS has an entry, possibly empty). */
export function gaugeSamples(g: AsOfGauges): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>(REPLAYED_METRICS.map((n) => [n, []]));
  let pending = 0;
  for (const w of g.workshops) {
    if (w.status === 'pending') pending++;
    const labels = labelsOf(w.workshopId);
    workshopValues(w).forEach((value, i) => {
      if (value !== null) out.get(WORKSHOP_METRICS[i]!)!.push({ labels, value });
    });
  }
  programmeValues(pending, g.rolling).forEach((value, i) => {
    if (value !== null) out.get(PROGRAMME_METRICS[i]!)!.push({ labels: NO_LABELS, value });
  });
  return out;
}

/** Event types the gauges above depend on (the replay reads only these). */
export const REPLAYED_EVENT_TYPES: readonly string[] = [
  'workshop_signup_started',
  'workshop_signup_success',
  'workshop_approved',
  'workshop_rejected',
  'workshop_suspended',
  'workshop_reactivated',
  'workshop_dashboard_accessed',
  'mechanic_invited',
  'mechanic_invite_accepted',
  'mechanic_invite_expired',
  'mechanic_removed',
  'session_completed',
  'email_approval_sent',
  'email_rejection_sent',
  'email_invite_sent',
  'email_approval_failed',
  'email_rejection_failed',
  'email_invite_failed',
];
