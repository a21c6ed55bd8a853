/**
 * The KPI and alert policy: every threshold, target, minimum sample, `for`, `keep_firing_for`, severity, audience,
 * message and runbook of the workshop programme, typed once. `npm run generate` writes the alerting rules, their
 * boundary tests, the routing expectations, the runbooks and the documented targets from it; the dashboards, the
 * digest, the reports and the hourly checks read it. Change a number here, then run `npm run generate`.
 */
export type {
  AlertAnnotations,
  AlertFilePolicy,
  AlertPolicy,
  AlertScope,
  Audience,
  AnnotationText,
  ComparisonOp,
  KpiPolicy,
  KpiTarget,
  Policy,
  PolicyKey,
  PolicyOverride,
  PolicyValue,
  Severity,
  ThresholdInput,
} from './policy-types.js';
export { PolicyError } from './policy-types.js';
export { checkThresholds, POLICY } from './policy.js';
export { KPIS, KPI_TARGET_NAMES, KPI_TARGETS, meetsTarget, type KpiColumn } from './kpi-policy.js';
export { applyOverrides, keysOf, parseOverride, POLICY_KEYS } from './overrides.js';
export {
  clean,
  count,
  days,
  formatDuration,
  hours,
  humanValue,
  parseDuration,
  parseValue,
  percent,
  promValue,
  seconds,
} from './policy-values.js';
export { RECEIVERS } from './receivers.js';
export { GENERATED_RULES_HEADER, renderAlertRule, renderAlertRuleFiles } from './render-rules.js';
export {
  GENERATED_TESTS_DIR,
  GENERATED_TESTS_HEADER,
  kebab,
  renderRuleTest,
  renderRuleTestFiles,
} from './render-rule-tests.js';
export { renderRouteExpectations, ROUTE_EXPECTATIONS_FILE } from './render-route-expectations.js';
export { durationText, renderRunbook, renderRunbooks, RUNBOOKS_FILE } from './render-runbooks.js';
