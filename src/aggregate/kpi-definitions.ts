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
  signups_step_1: ['workshop_signup_step_1'],
  signups_step_2: ['workshop_signup_step_2'],
  signups_step_3: ['workshop_signup_step_3'],
  signups_submitted: ['workshop_signup_submitted'],
  applications_viewed: ['workshop_application_viewed'],
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
  // issue 12: appended, so CSV columns of earlier releases keep their positions
  'signups_step_1',
  'signups_step_2',
  'signups_step_3',
  'signups_submitted',
  'applications_viewed',
  'approval_rate',
  'total_mechanics_invited',
  'workshops_over_3_mechanics',
  'pct_workshops_with_mechanics',
  'avg_invite_to_signup_hours',
  'avg_page_load_ms',
  'avg_satisfaction',
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
  /** Sum of duration_ms of the window's page_viewed events. */
  pageLoadMs: number;
  /** Sum of metadata.rating of the window's session_rated events. */
  ratingSum: number;
  /** mechanic_invited events with occurred_at before the window's end (all time). */
  invitedBeforeEnd: number;
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

/** The mean of integers summing to `sum` over `n`, rounded half away from zero to `decimals`; null when n is 0. */
function mean(sum: number, n: number, decimals: 0 | 2): number | null {
  if (n === 0) return null;
  const scale = decimals === 2 ? 100 : 1;
  // one division of integers, so an exact .5 is seen as such
  return roundHalfAway((scale * sum) / n) / scale;
}

/** Mean hours of durations (ms), 2 decimals, null when there is none. */
function meanHours(durationsMs: readonly number[]): number | null {
  if (durationsMs.length === 0) return null;
  const sum = durationsMs.reduce((s, x) => s + x, 0);
  return roundHalfAway(sum / (durationsMs.length * 36_000)) / 100;
}

export function countKpis(c: WindowCounts): KpiValues {
  const out: KpiValues = {};
  for (const [col, types] of Object.entries(COUNT_COLUMNS) as Array<[CountColumn, readonly string[]]>) {
    out[col] = types.reduce((s, t) => s + (c.byType.get(t) ?? 0), 0);
  }
  out.signup_conversion_rate = percent(out.signups_completed!, out.signups_started!);
  out.invite_acceptance_rate = percent(out.invites_accepted!, out.invites_sent!);
  out.email_success_rate = percent(out.emails_sent!, out.emails_sent! + out.emails_failed!);
  out.approval_rate = percent(out.applications_approved!, out.applications_approved! + out.applications_rejected!);
  out.total_mechanics_invited = c.invitedBeforeEnd;
  out.avg_page_load_ms = mean(c.pageLoadMs, c.byType.get('page_viewed') ?? 0, 0);
  out.avg_satisfaction = mean(c.ratingSum, c.byType.get('session_rated') ?? 0, 2);
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
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    avg_approval_time_hours: meanHours(sorted),
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
    workshops_over_3_mechanics: s.over3Mechanics,
    pct_workshops_with_mechanics: percent(s.withMechanics, s.active),
  };
}

/** Invitation to acceptance: ms from each acceptance's invitation (its earliest mechanic_invited). */
export function inviteTimeKpis(durationsMs: readonly number[]): KpiValues {
  return { avg_invite_to_signup_hours: meanHours(durationsMs) };
}

/** Which columns each source fills: when a source fails, only its columns are left as they were. */
export const SOURCE_COLUMNS: Record<'counts' | 'approvals' | 'invite_times' | 'states', readonly KpiColumn[]> = {
  counts: [
    ...(Object.keys(COUNT_COLUMNS) as KpiColumn[]),
    'signup_conversion_rate',
    'invite_acceptance_rate',
    'email_success_rate',
    'revenue_cents',
    'api_errors',
    'api_success_rate',
    'approval_rate',
    'total_mechanics_invited',
    'avg_page_load_ms',
    'avg_satisfaction',
  ],
  approvals: ['avg_approval_time_hours', 'median_approval_time_hours'],
  invite_times: ['avg_invite_to_signup_hours'],
  states: [
    'applications_pending',
    'pending_workshops',
    'active_workshops',
    'suspended_workshops',
    'workshops_with_mechanics',
    'total_mechanics_active',
    'avg_mechanics_per_workshop',
    'workshops_over_3_mechanics',
    'pct_workshops_with_mechanics',
  ],
};
