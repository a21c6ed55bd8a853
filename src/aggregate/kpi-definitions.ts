/**
 * The KPI row: columns, the event types each count reads, and the exact formulas (docs/kpis.md).
 * Rates are percentages rounded half away from zero to 2 decimals, null when the denominator is 0.
 */
import type { EventType } from '../catalogue/event-catalogue.js';
import type { StateSnapshot } from './state-sweep.js';

/** Count columns: the sum of events of these types in the window. */
export const COUNT_COLUMNS = {
  signups_started: ['workshop_signup_started'],
  signups_completed: ['workshop_signup_success'],
  signups_failed: ['workshop_signup_failed'],
  applications_approved: ['workshop_approved'],
  applications_rejected: ['workshop_rejected'],
  invites_sent: ['mechanic_invited'],
  invites_accepted: ['mechanic_invite_accepted'],
  invites_expired: ['mechanic_invite_expired'],
  emails_sent: ['email_approval_sent', 'email_rejection_sent', 'email_invite_sent'],
  emails_failed: ['email_approval_failed', 'email_rejection_failed', 'email_invite_failed'],
  emails_approval_sent: ['email_approval_sent'],
  emails_approval_failed: ['email_approval_failed'],
  emails_rejection_sent: ['email_rejection_sent'],
  emails_rejection_failed: ['email_rejection_failed'],
  emails_invite_sent: ['email_invite_sent'],
  emails_invite_failed: ['email_invite_failed'],
  dashboard_logins: ['workshop_dashboard_accessed'],
  profile_updates: ['workshop_profile_updated'],
  sessions_completed: ['session_completed'],
} as const satisfies Record<string, readonly EventType[]>;

export type CountColumn = keyof typeof COUNT_COLUMNS;

/** Every KPI column in API/CSV order. */
export const KPI_COLUMNS = [
  'signups_started',
  'signups_completed',
  'signups_failed',
  'signup_conversion_rate',
  'applications_pending',
  'applications_approved',
  'applications_rejected',
  'avg_approval_time_hours',
  'median_approval_time_hours',
  'invites_sent',
  'invites_accepted',
  'invites_expired',
  'invite_acceptance_rate',
  'emails_sent',
  'emails_failed',
  'email_success_rate',
  'emails_approval_sent',
  'emails_approval_failed',
  'emails_rejection_sent',
  'emails_rejection_failed',
  'emails_invite_sent',
  'emails_invite_failed',
  'active_workshops',
  'pending_workshops',
  'suspended_workshops',
  'workshops_with_mechanics',
  'total_mechanics_active',
  'avg_mechanics_per_workshop',
  'dashboard_logins',
  'profile_updates',
  'sessions_completed',
  'revenue_cents',
  'api_errors',
  'api_success_rate',
] as const;

export type KpiColumn = (typeof KPI_COLUMNS)[number];
export type KpiValues = Partial<Record<KpiColumn, number | null>>;

/** Per-window totals read from the log. */
export interface WindowCounts {
  byType: ReadonlyMap<string, number>;
  /** Events in the window with success = false. */
  failures: number;
  total: number;
  revenueCents: number;
}

/** x rounded to an integer, exact halves away from zero (Math.round takes -2.5 to -2); never -0. */
function roundHalfAway(x: number): number {
  const r = Math.round(Math.abs(x));
  return (x < 0 ? -r : r) + 0;
}

/** a / b as a percentage, 2 decimals (half away from zero), null when b is 0. */
export function percent(a: number, b: number): number | null {
  return b === 0 ? null : roundHalfAway((10_000 * a) / b) / 100;
}

/** Milliseconds as hours, 2 decimals (half away from zero). */
const hours = (ms: number) => roundHalfAway(ms / 36_000) / 100;

export function countKpis(c: WindowCounts): KpiValues {
  const out: KpiValues = {};
  for (const [col, types] of Object.entries(COUNT_COLUMNS) as Array<[CountColumn, readonly string[]]>) {
    out[col] = types.reduce((s, t) => s + (c.byType.get(t) ?? 0), 0);
  }
  out.signup_conversion_rate = percent(out.signups_completed!, out.signups_started!);
  out.invite_acceptance_rate = percent(out.invites_accepted!, out.invites_sent!);
  out.email_success_rate = percent(out.emails_sent!, out.emails_sent! + out.emails_failed!);
  out.revenue_cents = c.revenueCents;
  out.api_errors = c.failures;
  out.api_success_rate = percent(c.total - c.failures, c.total);
  return out;
}

/** Average and median approval time from decision durations (ms from first signup success). */
export function approvalKpis(durationsMs: readonly number[]): KpiValues {
  if (durationsMs.length === 0) return { avg_approval_time_hours: null, median_approval_time_hours: null };
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const n = sorted.length;
  const sum = sorted.reduce((s, x) => s + x, 0);
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  // one division of integers, so an exact .5 is seen as such and rounded away from zero
  return {
    avg_approval_time_hours: roundHalfAway(sum / (n * 36_000)) / 100,
    median_approval_time_hours: hours(median),
  };
}

export function stateKpis(s: StateSnapshot): KpiValues {
  return {
    applications_pending: s.pending,
    pending_workshops: s.pending,
    active_workshops: s.active,
    suspended_workshops: s.suspended,
    workshops_with_mechanics: s.withMechanics,
    total_mechanics_active: s.mechanicsActive,
    avg_mechanics_per_workshop: s.active === 0 ? null : Math.round((100 * s.mechanicsActive) / s.active) / 100,
  };
}

/** Which columns each source fills: when a source fails, only its columns are left as they were. */
export const SOURCE_COLUMNS: Record<'counts' | 'approvals' | 'states', readonly KpiColumn[]> = {
  counts: [
    ...(Object.keys(COUNT_COLUMNS) as KpiColumn[]),
    'signup_conversion_rate',
    'invite_acceptance_rate',
    'email_success_rate',
    'revenue_cents',
    'api_errors',
    'api_success_rate',
  ],
  approvals: ['avg_approval_time_hours', 'median_approval_time_hours'],
  states: [
    'applications_pending',
    'pending_workshops',
    'active_workshops',
    'suspended_workshops',
    'workshops_with_mechanics',
    'total_mechanics_active',
    'avg_mechanics_per_workshop',
  ],
};
