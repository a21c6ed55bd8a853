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
