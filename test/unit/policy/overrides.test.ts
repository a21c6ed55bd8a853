import { describe, expect, it } from 'vitest';
import {
  applyOverrides,
  parseOverride,
  POLICY,
  PolicyError,
  renderAlertRuleFiles,
  type PolicyOverride,
} from '../../../src/policy/index.js';

const apply = (...texts: string[]) => applyOverrides(POLICY, texts.map(parseOverride));
const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as Error).message;
  }
  throw new Error('did not throw');
};

describe('parseOverride', () => {
  it('splits ALERT.KEY=VALUE', () => {
    expect(parseOverride('WorkshopApplicationStuck.threshold=36h')).toEqual({
      alert: 'WorkshopApplicationStuck',
      key: 'threshold',
      value: '36h',
    });
    expect(parseOverride('WorkshopThriving.min_sample=10').key).toBe('min_sample');
    expect(parseOverride('WorkshopThriving.keep_firing_for=20m').value).toBe('20m');
  });

  it('when the text is not ALERT.KEY=VALUE, then the message shows the form', () => {
    expect(err(() => parseOverride('WorkshopApplicationStuck=36h'))).toMatch(/ALERT\.KEY=VALUE/);
    expect(err(() => parseOverride('WorkshopApplicationStuck.threshold='))).toMatch(/ALERT\.KEY=VALUE/);
  });

  it('when the key is not a policy key, then the message lists the keys', () => {
    expect(err(() => parseOverride('WorkshopApplicationStuck.severity=info'))).toBe(
      '"severity" in "WorkshopApplicationStuck.severity=info" is not a policy key: use one of threshold, min_sample, for, keep_firing_for',
    );
  });
});

describe('applyOverrides', () => {
  it('sets a duration threshold in seconds, a percentage as a ratio, a count as a number', () => {
    const p = apply(
      'WorkshopApplicationStuck.threshold=36h',
      'WorkshopLowInviteAcceptance.threshold=40%',
      'WorkshopEmailDeliveryCritical.min_sample=50',
      'WorkshopChurnRisk.for=1h30m',
      'WorkshopThriving.keep_firing_for=20m',
    );
    expect(p.alerts.WorkshopApplicationStuck!.threshold).toEqual({ kind: 'duration', value: 129600 });
    expect(p.alerts.WorkshopLowInviteAcceptance!.threshold).toEqual({ kind: 'percent', value: 0.4 });
    expect(p.alerts.WorkshopEmailDeliveryCritical!.minSample).toEqual({ kind: 'number', value: 50 });
    expect(p.alerts.WorkshopChurnRisk!.for).toBe('1h30m');
    expect(p.alerts.WorkshopThriving!.keepFiringFor).toBe('20m');
  });

  it('leaves the policy it was given unchanged', () => {
    apply('WorkshopApplicationStuck.threshold=36h');
    expect(POLICY.alerts.WorkshopApplicationStuck!.threshold).toEqual({ kind: 'duration', value: 172800 });
  });

  it('the override reaches the rendered rule: expression and message', () => {
    const rules = renderAlertRuleFiles(apply('WorkshopApplicationStuck.threshold=36h')).get(
      'workshop-kpis.alerts.yml',
    )!;
    expect(rules).toContain('expr: workshop_id:application_pending_age:seconds > 36 * 3600\n');
    expect(rules).toContain('(threshold 36h). Approve or reject it.');
    expect(rules).toContain('has been pending for 36+ hours');
    expect(rules).not.toContain('48 * 3600');
  });

  it.each<[string, RegExp]>([
    [
      'WorkshopNoSuchAlert.threshold=1',
      /^unknown alert "WorkshopNoSuchAlert": known alerts are WorkshopAlertNotificationsFailing, /,
    ],
    ['WorkshopAnalyticsDown.threshold=1', /^WorkshopAnalyticsDown has no threshold: it can take for$/],
    ['WorkshopAnalyticsDown.keep_firing_for=10m', /^WorkshopAnalyticsDown has no keep_firing_for to change$/],
    [
      'WorkshopApprovalBacklog.min_sample=3',
      /^WorkshopApprovalBacklog has no min_sample: it can take threshold, for, keep_firing_for$/,
    ],
    [
      'WorkshopApplicationStuck.threshold=40%',
      /^WorkshopApplicationStuck\.threshold is a duration: give a Prometheus duration/,
    ],
    ['WorkshopApplicationStuck.threshold=36', /^WorkshopApplicationStuck\.threshold is a duration/],
    [
      'WorkshopApprovalBacklog.threshold=36h',
      /^WorkshopApprovalBacklog\.threshold is a number: give e\.g\. 5 \(no unit\), not "36h"$/,
    ],
    [
      'WorkshopApprovalBacklog.threshold=40%',
      /^WorkshopApprovalBacklog\.threshold is a number: give e\.g\. 5, not "40%"$/,
    ],
    [
      'WorkshopLowInviteAcceptance.threshold=36h',
      /^WorkshopLowInviteAcceptance\.threshold is a percentage: give e\.g\. 40%/,
    ],
    [
      'WorkshopLowInviteAcceptance.threshold=140%',
      /^WorkshopLowInviteAcceptance\.threshold is a percentage between 0% and 100%/,
    ],
    [
      'WorkshopChurnRisk.for=15',
      /^WorkshopChurnRisk\.for is a duration: give a Prometheus duration such as 15m or 1h, not "15"$/,
    ],
  ])('%s is refused: %s', (text, message) => {
    expect(err(() => apply(text))).toMatch(message);
  });

  it('an override built by hand (not parsed) is checked the same way', () => {
    const o: PolicyOverride = { alert: 'WorkshopThriving', key: 'threshold', value: 'lots' };
    expect(err(() => applyOverrides(POLICY, [o]))).toMatch(/^WorkshopThriving\.threshold is a percentage/);
  });
});
