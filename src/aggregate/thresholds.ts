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

/** A target of the plan: the KPI column's value should be above, below, or within a range. */
export type KpiTarget =
  | { readonly op: '>' | '<'; readonly value: number }
  | { readonly op: 'between'; readonly value: readonly [number, number] };

/**
 * The plan's targets, keyed by the workshop_metrics column that measures them: served with GET /api/metrics (JSON)
 * and listed next to each KPI in docs/kpis.md. The plan states two of them on a measure the row does not hold
 * directly: "API error rate < 1%" is kept as `api_success_rate` > 99 (the row's share of events not failed), and
 * "3-5 beta workshops" as `active_workshops` between 3 and 5 (the beta gauges count first approvals in the beta
 * window, see BETA_TARGET_MIN/MAX).
 */
export const KPI_TARGETS = {
  signup_conversion_rate: { op: '>', value: 60 },
  avg_approval_time_hours: { op: '<', value: 24 },
  invite_acceptance_rate: { op: '>', value: 70 },
  email_success_rate: { op: '>', value: 98 },
  api_success_rate: { op: '>', value: 99 },
  avg_page_load_ms: { op: '<', value: 3000 },
  active_workshops: { op: 'between', value: [3, 5] },
} as const satisfies Record<string, KpiTarget>;

/** What the plan calls each target, for docs/kpis.md. */
export const KPI_TARGET_NAMES: Record<keyof typeof KPI_TARGETS, string> = {
  signup_conversion_rate: 'signup conversion > 60%',
  avg_approval_time_hours: 'approval time < 24 h',
  invite_acceptance_rate: 'invite acceptance > 70%',
  email_success_rate: 'email success > 98%',
  api_success_rate: 'API error rate < 1%',
  avg_page_load_ms: 'page load < 3 s',
  active_workshops: '3-5 beta workshops',
};

/** Whether `v` meets target `t` (a `between` range includes its ends); null when there is no value to judge. */
export function meetsTarget(v: number | null | undefined, t: KpiTarget): boolean | null {
  if (v === null || v === undefined) return null;
  if (t.op === 'between') return v >= t.value[0] && v <= t.value[1];
  return t.op === '>' ? v > t.value : v < t.value;
}
