/**
 * Service and alerting health panels of the Workshop Overview (issue 11, meta-monitoring): the API error rate the
 * WorkshopApiErrorRateHigh alert reads, and the rule evaluation failures WorkshopAnalyticsRuleEvaluationFailing
 * pages on. The error rate reads the recording rule the alert reads (prometheus/rules/workshop-analytics.rules.yml).
 */
import {
  alertMinSample,
  below,
  PROMETHEUS,
  promQuery,
  statPanel,
  steps,
  TARGETS,
  timeseriesPanel,
} from './defaults.js';

const pct = (ratio: number) => ratio * 100;

export function apiErrorRate() {
  return statPanel({
    title: 'API error rate (1 h)',
    description: `HTTP requests answered 5xx ÷ requests in the last hour, all replicas (workshop:http_requests_5xx:ratio1h, as the WorkshopApiErrorRateHigh alert, which also needs ${alertMinSample('WorkshopApiErrorRateHigh')} requests in the hour). Prometheus scrapes and health probes are not counted. Target below ${pct(TARGETS.apiErrorRate)}%.`,
    unit: 'percentunit',
    decimals: 2,
    w: 6,
    h: 6,
    background: true,
    datasource: PROMETHEUS,
    targets: [promQuery('workshop:http_requests_5xx:ratio1h')],
    thresholds: below(TARGETS.apiErrorRate),
    noValue: 'no requests',
  });
}

export function ruleEvaluationFailures() {
  return timeseriesPanel({
    title: 'Rule evaluation failures',
    description:
      'Failed evaluations per Prometheus rule group in 5-minute windows (prometheus_rule_evaluation_failures_total). A group that keeps failing records nothing and cannot fire its alerts: WorkshopAnalyticsRuleEvaluationFailing pages after 10 minutes.',
    unit: 'short',
    decimals: 0,
    min: 0,
    w: 18,
    h: 6,
    datasource: PROMETHEUS,
    thresholdLine: true,
    thresholds: steps([
      [null, 'green'],
      [1, 'red'],
    ]),
    targets: [
      promQuery('sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total{job="prometheus"}[5m]))', {
        range: true,
        legend: '{{rule_group}}',
      }),
    ],
  });
}
