import { readFileSync } from 'node:fs';
import path from 'node:path';
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
  kebab,
  renderRuleTestFiles,
  renderRunbook,
} from '../../../src/policy/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

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

describe('the policy and the hand-written recording rules', () => {
  const rulesText = readFileSync(path.join(ROOT, 'prometheus/rules/workshop-analytics.rules.yml'), 'utf8');
  const recorded = new Set([...rulesText.matchAll(/^\s+- record: (\S+)$/gm)].map((m) => m[1]));

  it('every series an alert compares or takes its sample from is a recording rule', () => {
    expect(recorded.size).toBeGreaterThan(30);
    for (const a of Object.values(POLICY.alerts)) {
      if (a.input) expect(recorded.has(a.input.series), `${a.name}: ${a.input.series}`).toBe(true);
      if (a.sampleSeries) expect(recorded.has(a.sampleSeries), `${a.name}: ${a.sampleSeries}`).toBe(true);
    }
  });
});

describe('generated boundary tests', () => {
  const files = renderRuleTestFiles(POLICY);

  it('exist for exactly the alerts with a threshold', () => {
    const withThreshold = Object.values(POLICY.alerts).filter((a) => a.threshold);
    expect(withThreshold.length).toBe(13);
    expect([...files.keys()].sort()).toEqual(withThreshold.map((a) => `${kebab(a.name)}.test.yml`).sort());
  });

  it('hold below / at / above, under the minimum sample and a gap within keep_firing_for where the alert has them', () => {
    for (const a of Object.values(POLICY.alerts).filter((x) => x.threshold)) {
      const text = files.get(`${kebab(a.name)}.test.yml`)!;
      const names = [...text.matchAll(/^ {2}- name: '([^']*)'$/gm)].map((m) => m[1]!.replace(`${a.name}: `, ''));
      expect(
        names.filter((n) => /^(just below|at|just above) the threshold/.test(n)),
        a.name,
      ).toHaveLength(3);
      expect(
        names.some((n) => n.startsWith('under the minimum sample')),
        a.name,
      ).toBe(a.minSample !== undefined);
      expect(
        names.some((n) => n.startsWith('a gap of')),
        a.name,
      ).toBe(a.keepFiringFor !== undefined);
    }
  });

  it('for WorkshopApplicationStuck, set the pending age to 48 h − 1 s, 48 h and 48 h + 1 s; only the last fires', () => {
    const text = files.get('workshop-application-stuck.test.yml')!;
    const cases = text.split(/^ {2}- name: /m).slice(1);
    const byValue = (v: number) => cases.find((c) => c.includes(`values: '${v}x`))!;
    expect(byValue(172799)).not.toContain('exp_samples:\n');
    expect(byValue(172800)).not.toContain('exp_samples:\n');
    expect(byValue(172801)).toContain('exp_samples:\n          - labels:');
  });
});
