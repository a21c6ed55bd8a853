/**
 * Policy values: constructors (hours(48), percent(80), count(5)), parsing of override values ('36h', '40%', '5')
 * and formatting for PromQL and for people.
 */
import { PolicyError, type PolicyValue } from './policy-types.js';

const UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

export const count = (value: number): PolicyValue => ({ kind: 'number', value });
export const percent = (pct: number): PolicyValue => ({ kind: 'percent', value: pct / 100 });
export const seconds = (value: number): PolicyValue => ({ kind: 'duration', value });
export const hours = (h: number): PolicyValue => seconds(h * 3600);
export const days = (d: number): PolicyValue => seconds(d * 86400);

/** Seconds of a Prometheus duration ('1h30m', '36h', '15s'); throws PolicyError when it is not one. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|[smhdwy])/g)];
  if (!text || parts.map((p) => p[0]).join('') !== text)
    throw new PolicyError(`"${text}" is not a Prometheus duration (e.g. 90s, 15m, 36h, 14d)`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0);
}

/** A duration as Prometheus writes it (largest units first): 129600 → '1d12h', 300 → '5m', 0 → '0s'. */
export function formatDuration(total: number): string {
  if (total === 0) return '0s';
  let rest = Math.round(total * 1000);
  let out = '';
  for (const [unit, ms] of [
    ['d', 86400000],
    ['h', 3600000],
    ['m', 60000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / ms);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * ms;
  }
  return out;
}

/**
 * Parses an override value as the kind the policy has for that key: a duration ('36h') for durations, a
 * percentage ('40%', or a ratio 0..1) for percentages, a plain number otherwise.
 */
export function parseValue(text: string, kind: PolicyValue['kind'], what: string): PolicyValue {
  const t = text.trim();
  if (kind === 'duration') {
    if (/^\d+(\.\d+)?$/.test(t) || t.endsWith('%'))
      throw new PolicyError(`${what} is a duration: give a Prometheus duration such as 36h or 90m, not "${text}"`);
    return seconds(parseDuration(t));
  }
  if (kind === 'percent') {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(t);
    if (!m) throw new PolicyError(`${what} is a percentage: give e.g. 40% (or 0.4), not "${text}"`);
    const v = m[2] ? Number(m[1]) / 100 : Number(m[1]);
    if (v > 1) throw new PolicyError(`${what} is a percentage between 0% and 100%, not "${text}"`);
    return { kind, value: v };
  }
  if (!/^\d+(\.\d+)?$/.test(t))
    throw new PolicyError(`${what} is a number: give e.g. 5${t.endsWith('%') ? '' : ' (no unit)'}, not "${text}"`);
  return count(Number(t));
}

/** Rounds away binary noise (0.8 - 0.001 → 0.799). */
export const clean = (v: number) => Number(v.toPrecision(12));

/** A value in PromQL: durations as `48 * 3600` / `14 * 86400` (as written by hand), ratios as decimals. */
export function promValue(v: PolicyValue, scale = 1): string {
  if (v.kind !== 'duration') return String(clean(v.value * scale));
  if (v.value % 86400 === 0 && v.value / 86400 >= 7) return `${v.value / 86400} * 86400`;
  if (v.value % 3600 === 0) return `${v.value / 3600} * 3600`;
  return String(v.value);
}

/** A value for people: '48h', '80%', '5'. */
export function humanValue(v: PolicyValue): string {
  if (v.kind === 'percent') return `${clean(v.value * 100)}%`;
  if (v.kind === 'duration') return v.value % 3600 === 0 ? `${v.value / 3600}h` : formatDuration(v.value);
  return String(v.value);
}

/** The value of a policy number that must be present (a programming error otherwise). */
export function req(v: PolicyValue | undefined, what: string): PolicyValue {
  if (!v) throw new PolicyError(`${what} is not set`);
  return v;
}
