/**
 * Workshop health score (0-100) from the scorecard's factors. Each factor scores 0..1 and has a weight;
 * a factor without data (e.g. no capacity set, no invites sent) is left out and the others are
 * re-weighted, so a new workshop is not punished for what it could not have done yet. docs/health-score.md
 * documents the same table.
 */
import { inviteAcceptance } from './invite-acceptance.js';

export interface HealthInputs {
  /** Active mechanics now. */
  mechanicsActive: number;
  /** Mechanics that ever joined (accepted an invite). */
  mechanicsJoined: number;
  /** Max mechanics, from the signup; null when unknown. */
  capacity: number | null;
  /** Latest profile completeness 0-100, null when never reported. */
  profileCompleteness: number | null;
  invitesSent30d: number;
  invitesAccepted30d: number;
  /** Invitations of the 30 days accepted, expired or older than INVITE_TTL_DAYS (the acceptance denominator). */
  invitesResolved30d: number;
  /** Last dashboard access (ms), null when never. */
  lastLoginMs: number | null;
  sessions30d: number;
  revenue30dCents: number;
  revenuePrev30dCents: number;
}

export type FactorName =
  | 'capacity_utilization'
  | 'mechanic_retention'
  | 'profile_completeness'
  | 'invite_acceptance'
  | 'login_recency'
  | 'sessions_30d'
  | 'revenue_trend';

export interface Factor {
  name: FactorName;
  weight: number;
  /** 0..1, or null when the factor does not apply (no data). */
  score: number | null;
  /** The input the score came from, for people. */
  value: string;
}

export interface HealthScore {
  score: number;
  status: 'healthy' | 'at_risk' | 'critical';
  factors: Factor[];
}

export const WEIGHTS: Record<FactorName, number> = {
  capacity_utilization: 20,
  mechanic_retention: 15,
  profile_completeness: 10,
  invite_acceptance: 15,
  login_recency: 20,
  sessions_30d: 10,
  revenue_trend: 10,
};

/** Sessions in 30 days that count as fully active. */
export const SESSIONS_TARGET_30D = 20;
/** Login within this many days scores 1; the score falls linearly to 0 at LOGIN_STALE_DAYS. */
export const LOGIN_FRESH_DAYS = 1;
export const LOGIN_STALE_DAYS = 14;
export const HEALTHY_FROM = 75;
export const AT_RISK_FROM = 50;

const DAY = 86_400_000;
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** Each factor's score 0..1 (null where it does not apply), in the order of FactorName. */
function factorScores(h: HealthInputs, days: number | null, trend: number | null): Array<number | null> {
  const acceptance = inviteAcceptance(h);
  return [
    h.capacity ? clamp(h.mechanicsActive / h.capacity) : null,
    h.mechanicsJoined ? clamp(h.mechanicsActive / h.mechanicsJoined) : null,
    h.profileCompleteness === null ? null : clamp(h.profileCompleteness / 100),
    acceptance === null ? null : clamp(acceptance),
    days === null ? 0 : clamp(1 - Math.max(0, days - LOGIN_FRESH_DAYS) / (LOGIN_STALE_DAYS - LOGIN_FRESH_DAYS)),
    clamp(h.sessions30d / SESSIONS_TARGET_30D),
    trend,
  ];
}

const FACTOR_NAMES: readonly FactorName[] = [
  'capacity_utilization',
  'mechanic_retention',
  'profile_completeness',
  'invite_acceptance',
  'login_recency',
  'sessions_30d',
  'revenue_trend',
];
const FACTOR_WEIGHTS = FACTOR_NAMES.map((n) => WEIGHTS[n]);

const loginDays = (h: HealthInputs, nowMs: number) => (h.lastLoginMs === null ? null : (nowMs - h.lastLoginMs) / DAY);
const revenueTrend = (h: HealthInputs) =>
  h.revenue30dCents === 0 && h.revenuePrev30dCents === 0
    ? null
    : h.revenuePrev30dCents === 0
      ? 1
      : clamp(0.5 + (0.5 * (h.revenue30dCents - h.revenuePrev30dCents)) / h.revenuePrev30dCents);

/** The weighted score 0-100 of the applicable factors and its status. */
function scoreOf(scores: ReadonlyArray<number | null>): Omit<HealthScore, 'factors'> {
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s === null || s === undefined) continue;
    total += FACTOR_WEIGHTS[i]!;
    weighted += FACTOR_WEIGHTS[i]! * s;
  }
  const score = total === 0 ? 0 : Math.round((100 * weighted) / total);
  return { score, status: score >= HEALTHY_FROM ? 'healthy' : score >= AT_RISK_FROM ? 'at_risk' : 'critical' };
}

/**
 * The score and status alone, without the factors' texts: what the live gauges export for every active workshop at
 * every refresh (healthScore's arithmetic, without building seven factors and their strings per workshop).
 */
export function healthScoreValue(h: HealthInputs, nowMs: number): Omit<HealthScore, 'factors'> {
  return scoreOf(factorScores(h, loginDays(h, nowMs), revenueTrend(h)));
}

export function healthScore(h: HealthInputs, nowMs: number): HealthScore {
  const days = loginDays(h, nowMs);
  const scores = factorScores(h, days, revenueTrend(h));
  const values = [
    `${h.mechanicsActive}/${h.capacity ?? '?'}`,
    `${h.mechanicsActive}/${h.mechanicsJoined} still active`,
    h.profileCompleteness === null ? 'unknown' : `${h.profileCompleteness}%`,
    `${h.invitesAccepted30d}/${h.invitesResolved30d} resolved in 30 days (${h.invitesSent30d} sent)`,
    days === null ? 'never' : `${days.toFixed(1)} days ago`,
    `${h.sessions30d} sessions`,
    `${dollars(h.revenue30dCents)} vs ${dollars(h.revenuePrev30dCents)} the 30 days before`,
  ];
  const factors: Factor[] = FACTOR_NAMES.map((name, i) => ({
    name,
    weight: WEIGHTS[name],
    score: scores[i] ?? null,
    value: values[i]!,
  }));
  return { ...scoreOf(scores), factors };
}
