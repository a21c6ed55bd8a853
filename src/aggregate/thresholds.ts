/**
 * Business thresholds of the hourly checks (GET /api/cron/workshop-alerts) and the plan's KPI targets. They live in
 * the policy (src/policy/), which also generates the alerting rules from them; this module keeps the names the
 * aggregate layer has always used.
 */
import { checkThresholds } from '../policy/index.js';

export { KPI_TARGET_NAMES, KPI_TARGETS, meetsTarget, type KpiTarget } from '../policy/index.js';

/** The hourly checks' thresholds, the same numbers as the alerts they mirror (policy). */
export const THRESHOLDS = checkThresholds();
