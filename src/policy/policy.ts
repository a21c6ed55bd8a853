/** The policy: every alert of prometheus/alerts/ and every KPI target of the plan, each in one place. */
import { KPI_ALERTS, KPI_ALERTS_FILE } from './alerts/kpi-alerts.js';
import { META_ALERTS, META_ALERTS_FILE } from './alerts/meta-alerts.js';
import { SERVICE_ALERTS, SERVICE_ALERTS_FILE } from './alerts/service-alerts.js';
import { KPIS } from './kpi-policy.js';
import type { AlertPolicy, Policy } from './policy-types.js';

const ALERTS: readonly AlertPolicy[] = [...KPI_ALERTS, ...SERVICE_ALERTS, ...META_ALERTS];

export const POLICY: Policy = Object.freeze({
  alerts: Object.freeze(Object.fromEntries(ALERTS.map((a) => [a.name, a]))),
  kpis: KPIS,
  files: [META_ALERTS_FILE, SERVICE_ALERTS_FILE, KPI_ALERTS_FILE],
});

/**
 * The thresholds of the hourly checks (GET /api/cron/workshop-alerts), read from the alerts they mirror so that
 * the checks and the pages cannot disagree.
 */
export function checkThresholds(policy: Policy = POLICY) {
  const a = policy.alerts;
  const v = (name: string, key: 'threshold' | 'minSample') => a[name]![key]!.value;
  return {
    /** An application pending longer than this is stuck (critical). */
    stuckApplicationHours: v('WorkshopApplicationStuck', 'threshold') / 3600,
    /** More pending applications than this is a backlog (warning). */
    approvalBacklog: v('WorkshopApprovalBacklog', 'threshold'),
    /** An active workshop without dashboard access for this long is at risk of churn (critical). */
    inactiveDays: v('WorkshopChurnRisk', 'threshold') / 86400,
    /** Invite acceptance over 30 days below this share, with at least `lowAcceptanceMinInvites` invites (warning). */
    lowAcceptanceRate: v('WorkshopLowInviteAcceptance', 'threshold'),
    lowAcceptanceMinInvites: v('WorkshopLowInviteAcceptance', 'minSample'),
  } as const;
}
