import { describe, expect, it } from 'vitest';
import {
  checkThresholds,
  durationText,
  formatDuration,
  parseDuration,
  POLICY,
  promValue,
  hours,
  days,
  percent,
  renderRunbook,
} from '../../../src/policy/index.js';

describe('policy values', () => {
  it('parses and writes Prometheus durations', () => {
    expect(parseDuration('36h')).toBe(129600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('14d')).toBe(1209600);
    expect(() => parseDuration('36 h')).toThrow(/not a Prometheus duration/);
    expect(() => parseDuration('h')).toThrow(/not a Prometheus duration/);
    expect(formatDuration(129600)).toBe('1d12h');
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    expect(durationText('5m')).toBe('5 minutes');
    expect(durationText('1h')).toBe('1 hour');
  });

  it('writes values into PromQL as the hand-written rules did', () => {
    expect(promValue(hours(48))).toBe('48 * 3600');
    expect(promValue(days(14))).toBe('14 * 86400');
    expect(promValue(percent(80))).toBe('0.8');
    expect(promValue(percent(1))).toBe('0.01');
  });
});

describe('the policy', () => {
  it('holds the 18 alerts, each with a known severity, an audience and receivers', () => {
    const alerts = Object.values(POLICY.alerts);
    expect(alerts).toHaveLength(18);
    for (const a of alerts) {
      expect(['critical', 'warning', 'info']).toContain(a.severity);
      expect(a.receivers.length).toBeGreaterThan(0);
      expect(() => parseDuration(a.for)).not.toThrow();
      if (a.minSample) expect(a.sampleSeries, a.name).toBeDefined();
      if (a.threshold) expect(a.input, a.name).toBeDefined();
    }
  });

  it('the hourly checks use the thresholds of the alerts they mirror', () => {
    expect(checkThresholds()).toEqual({
      stuckApplicationHours: 48,
      approvalBacklog: 5,
      inactiveDays: 14,
      lowAcceptanceRate: 0.5,
      lowAcceptanceMinInvites: 5,
    });
  });

  it('a runbook placeholder the alert has no value for is an error, not an empty string', () => {
    expect(() => renderRunbook(POLICY.alerts.WorkshopAnalyticsDown!, 'more than {{threshold}}')).toThrow(
      /WorkshopAnalyticsDown: \{\{threshold\}\} is not a value of this alert/,
    );
    expect(renderRunbook(POLICY.alerts.WorkshopSlowApprovals!, '{{threshold}} from {{min_sample}}, {{for.text}}')).toBe(
      '36h from 3, 1 hour',
    );
  });
});
