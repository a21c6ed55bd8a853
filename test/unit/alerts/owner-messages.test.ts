import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { OWNER_MESSAGES, THRIVING_SUGGESTION, nameForMail } from '../../../src/alerts/owner-messages.js';
import { OWNER_AUDIENCE } from '../../../src/alerts/owner-notifier.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
interface Rule {
  alert?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = ['workshop-kpis.alerts.yml', 'workshop-analytics-service.alerts.yml'].flatMap((f) =>
  (
    YAML.parse(readFileSync(path.join(ROOT, 'prometheus/alerts', f), 'utf8')) as { groups: Array<{ rules: Rule[] }> }
  ).groups.flatMap((g) => g.rules),
);

describe('owner e-mail messages', () => {
  it('every alert rule for the workshop owner has an e-mail, and every e-mail an alert rule', () => {
    const forOwner = rules.filter((r) => r.labels?.audience === OWNER_AUDIENCE).map((r) => r.alert);
    expect(forOwner.sort()).toEqual(Object.keys(OWNER_MESSAGES).sort());
  });

  it("WorkshopThriving's e-mail suggests what the rule's summary suggests (the plan's text)", () => {
    const rule = rules.find((r) => r.alert === 'WorkshopThriving');
    expect(THRIVING_SUGGESTION).toBe('Consider increasing mechanic capacity?');
    expect(rule?.annotations?.summary).toContain(THRIVING_SUGGESTION);
  });

  it('a name is shown on one line, bounded, without bidirectional overrides; without one, the workshop id', () => {
    expect(nameForMail('  Garage\r\n\tNord\u2029 \u202eevil ', 'w')).toBe('Garage Nord evil');
    expect(nameForMail('🚗'.repeat(300), 'w')).toBe('🚗'.repeat(200));
    expect(nameForMail(null, 'a0000000-0000-4000-8000-000000000001')).toBe(
      'workshop a0000000-0000-4000-8000-000000000001',
    );
    expect(nameForMail('\r\n', 'w1')).toBe('workshop w1');
  });
});
