/**
 * The beta programme's one definition of a beta workshop and of its milestones, shared by the live gauges
 * (workshop_beta_workshops, workshop_beta_milestone_timestamp_seconds → WorkshopBetaMilestoneReached) and the Beta
 * Program Tracker (the "Beta workshops" table and the "Beta milestone" annotation, through betaWorkshopSql).
 *
 * A beta workshop is a workshop whose FIRST workshop_approved occurred (occurred_at, never arrival) within the beta
 * window [BETA_START, BETA_END): midnight UTC of BETA_START included, midnight UTC of BETA_END excluded. That is
 * workshops.approved_at, the projection's earliest approval. A workshop approved before the start (re-approved or
 * reactivated later) is not one; neither is one first approved from BETA_END on. Suspension does not remove it:
 * it was onboarded. Milestone n is the approval that made the n-th beta workshop, in (approved_at, workshop_id)
 * order; target_min and target_max are the approvals number BETA_TARGET_MIN and BETA_TARGET_MAX.
 */
import type { Config } from '../config.js';

export type BetaSettings = Config['beta'];

export const BETA_MILESTONES = ['target_min', 'target_max'] as const;
export type BetaMilestone = (typeof BETA_MILESTONES)[number];

const utcMidnightMs = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`);

/** The beta window in ms: [startMs, endMs). */
export function betaWindowMs(beta: BetaSettings): { startMs: number; endMs: number } {
  return { startMs: utcMidnightMs(beta.start), endMs: utcMidnightMs(beta.end) };
}

export interface BetaApproval {
  readonly workshopId: string;
  readonly approvedAtMs: number;
}

/**
 * The beta workshops, in milestone order: `workshops` are workshop rows with their first approval (approved_at,
 * null when never approved). Millisecond times compare exactly with the window: its ends are whole milliseconds.
 */
export function betaApprovals(
  workshops: ReadonlyArray<{ workshopId: string; approvedAtMs: number | null }>,
  beta: BetaSettings,
): BetaApproval[] {
  const { startMs, endMs } = betaWindowMs(beta);
  return workshops
    .filter((w): w is BetaApproval => w.approvedAtMs !== null && w.approvedAtMs >= startMs && w.approvedAtMs < endMs)
    .map((w) => ({ workshopId: w.workshopId, approvedAtMs: w.approvedAtMs }))
    .sort((a, b) => a.approvedAtMs - b.approvedAtMs || (a.workshopId < b.workshopId ? -1 : 1));
}

/** When each milestone was reached (the occurred_at of its approval, ms); a milestone not reached is absent. */
export function betaMilestones(
  approvals: readonly BetaApproval[],
  beta: BetaSettings,
): Array<{ milestone: BetaMilestone; reachedAtMs: number }> {
  const target: Record<BetaMilestone, number> = { target_min: beta.targetMin, target_max: beta.targetMax };
  return BETA_MILESTONES.flatMap((milestone) => {
    const approval = approvals[target[milestone] - 1];
    return approval ? [{ milestone, reachedAtMs: approval.approvedAtMs }] : [];
  });
}

/**
 * The same definition in SQL, for the dashboards: the predicate "`column` (a workshops.approved_at) is within the
 * beta window", the window's ends given as SQL timestamptz expressions (e.g. to_timestamp(${beta_start})), and the
 * milestone order of the beta workshops.
 */
export const betaWorkshopSql = {
  inWindow: (column: string, startSql: string, endSql: string) => `${column} >= ${startSql} AND ${column} < ${endSql}`,
  order: (approvedAt: string, workshopId: string) => `${approvedAt}, ${workshopId}`,
};
