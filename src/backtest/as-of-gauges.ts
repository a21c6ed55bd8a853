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
/** The metric names a backtest rebuilds from the event log, in the order they are written. */
export const REPLAYED_METRICS: readonly string[] = [
  K.applicationsPending,
  K.submittedAt,
  K.lastAccess,
  K.lastInvite,
  K.invitesAccepted,
  K.invitesResolved,
  K.mechanicsActive,
  K.capacity,
  K.sessions,
  K.signupsStarted24h,
  K.signupsCompleted24h,
  K.emailsSent24h,
  K.emailsFailed24h,
  K.emailFailures1h,
  K.approvals7d,
  K.approvalTimeAvg7d,
].map((s) => s.name);

const secs = (ms: number) => ms / 1000;
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
/** One labels object per workshop, so the writer formats its label text once. */
const workshopLabels = new Map<string, Readonly<Record<string, string>>>();
const labelsOf = (id: string) => {
  let l = workshopLabels.get(id);
  if (!l) workshopLabels.set(id, (l = Object.freeze({ workshop_id: id })));
  return l;
};

/** The samples of `g` by metric name (every name of REPLAYED_METRICS has an entry, possibly empty). */
export function gaugeSamples(g: AsOfGauges): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>(REPLAYED_METRICS.map((n) => [n, []]));
  const put = (name: string, value: number | null, labels: Readonly<Record<string, string>> = NO_LABELS) => {
    if (value !== null) out.get(name)!.push({ labels, value });
  };
  let pending = 0;
  for (const w of g.workshops) {
    const ws = labelsOf(w.workshopId);
    if (w.status === 'pending') {
      pending++;
      put(K.submittedAt.name, w.submittedAtMs === null ? null : secs(w.submittedAtMs), ws);
    }
    if (w.status !== 'active') continue;
    const access = w.lastAccessMs ?? w.approvedAtMs;
    put(K.lastAccess.name, access === null ? null : secs(access), ws);
    put(K.lastInvite.name, w.lastInviteMs === null ? null : secs(w.lastInviteMs), ws);
    put(K.invitesAccepted.name, w.invitesAccepted30d, ws);
    put(K.invitesResolved.name, w.invitesResolved30d, ws);
    put(K.mechanicsActive.name, w.mechanicsActive, ws);
    put(K.capacity.name, w.capacity, ws);
    put(K.sessions.name, w.sessions30d, ws);
  }
  put(K.applicationsPending.name, pending);
  const r = g.rolling;
  put(K.signupsStarted24h.name, r.signupsStarted24h);
  put(K.signupsCompleted24h.name, r.signupsCompleted24h);
  put(K.emailsSent24h.name, r.emailsSent24h);
  put(K.emailsFailed24h.name, r.emailsFailed24h);
  put(K.emailFailures1h.name, r.emailFailures1h);
  put(K.approvals7d.name, r.approvals7d);
  put(K.approvalTimeAvg7d.name, r.approvalTimeAvg7dSeconds);
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
