/**
 * Business thresholds of the plan's alert rules, in one place. prometheus/alerts mirrors them for paging;
 * the hourly checks (GET /api/cron/workshop-alerts) report against them.
 */
export const THRESHOLDS = {
  /** An application pending longer than this is stuck (critical). */
  stuckApplicationHours: 48,
  /** More pending applications than this is a backlog (warning). */
  approvalBacklog: 5,
  /** An active workshop without dashboard access for this long is at risk of churn (critical). */
  inactiveDays: 14,
  /** Invite acceptance over 30 days below this share, with at least `lowAcceptanceMinInvites` invites (warning). */
  lowAcceptanceRate: 0.5,
  lowAcceptanceMinInvites: 5,
} as const;

/** A KPI target of the plan: the value must be above (`>`) or below (`<`) `value`. */
export interface KpiTarget {
  op: '>' | '<';
  value: number;
}

/**
 * The plan's KPI targets, by workshop_metrics column: the one source the weekly digest and the period reports
 * judge against ("met" / "missed" / "no data"). Rates are percent, times hours.
 */
export const KPI_TARGETS: Readonly<Record<string, KpiTarget>> = {
  signup_conversion_rate: { op: '>', value: 60 },
  avg_approval_time_hours: { op: '<', value: 24 },
  invite_acceptance_rate: { op: '>', value: 70 },
  email_success_rate: { op: '>', value: 98 },
  api_success_rate: { op: '>', value: 99 },
};

/** `met` is null when there is no value to judge. */
export function meetsTarget(v: number | null | undefined, t: KpiTarget): boolean | null {
  if (v === null || v === undefined) return null;
  return t.op === '>' ? v > t.value : v < t.value;
}
