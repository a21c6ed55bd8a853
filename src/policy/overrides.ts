/** What-if overrides (`ALERT.KEY=VALUE`): parsed and applied to a copy of the policy, checked against its types. */
import {
  PolicyError,
  type AlertPolicy,
  type Policy,
  type PolicyKey,
  type PolicyOverride,
  type PolicyValue,
} from './policy-types.js';
import { formatDuration, parseDuration, parseValue } from './policy-values.js';

export const POLICY_KEYS: readonly PolicyKey[] = ['threshold', 'min_sample', 'for', 'keep_firing_for'];

/** Parses 'WorkshopApplicationStuck.threshold=36h' → PolicyOverride; throws PolicyError with a clear message. */
export function parseOverride(text: string): PolicyOverride {
  const m = /^([A-Za-z][A-Za-z0-9]*)\.([a-z_]+)=(.+)$/.exec(text.trim());
  if (!m)
    throw new PolicyError(
      `"${text}" is not an override: write ALERT.KEY=VALUE, e.g. WorkshopApplicationStuck.threshold=36h`,
    );
  const key = m[2] as PolicyKey;
  if (!POLICY_KEYS.includes(key))
    throw new PolicyError(`"${m[2]}" in "${text}" is not a policy key: use one of ${POLICY_KEYS.join(', ')}`);
  return { alert: m[1]!, key, value: m[3]! };
}

const FIELD = { threshold: 'threshold', min_sample: 'minSample' } as const;

function applyOne(a: AlertPolicy, o: PolicyOverride): AlertPolicy {
  const what = `${o.alert}.${o.key}`;
  if (o.key === 'for' || o.key === 'keep_firing_for') {
    let seconds: number;
    try {
      seconds = parseDuration(o.value.trim());
    } catch {
      throw new PolicyError(`${what} is a duration: give a Prometheus duration such as 15m or 1h, not "${o.value}"`);
    }
    if (o.key === 'for') return { ...a, for: formatDuration(seconds) };
    if (a.keepFiringFor === undefined) throw new PolicyError(`${o.alert} has no keep_firing_for to change`);
    return { ...a, keepFiringFor: formatDuration(seconds) };
  }
  const field = FIELD[o.key];
  const current: PolicyValue | undefined = a[field];
  if (!current) throw new PolicyError(`${o.alert} has no ${o.key}: it can take ${keysOf(a).join(', ')}`);
  return { ...a, [field]: parseValue(o.value, current.kind, what) };
}

/** The keys an alert can take in an override. */
export function keysOf(a: AlertPolicy): PolicyKey[] {
  return POLICY_KEYS.filter(
    (k) =>
      (k === 'threshold' && a.threshold) ||
      (k === 'min_sample' && a.minSample) ||
      k === 'for' ||
      (k === 'keep_firing_for' && a.keepFiringFor !== undefined),
  );
}

/**
 * A copy of `policy` with overrides applied; throws PolicyError (unknown alert, key the alert does not have, value
 * of the wrong kind: '40%' for a duration, '36h' for a number, …) naming the problem.
 */
export function applyOverrides(policy: Policy, overrides: readonly PolicyOverride[]): Policy {
  const alerts: Record<string, AlertPolicy> = { ...policy.alerts };
  for (const o of overrides) {
    const a = alerts[o.alert];
    if (!a)
      throw new PolicyError(`unknown alert "${o.alert}": known alerts are ${Object.keys(alerts).sort().join(', ')}`);
    alerts[o.alert] = applyOne(a, o);
  }
  return { ...policy, alerts };
}
