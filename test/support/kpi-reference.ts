/**
 * Reference KPI calculation for tests, written from the definitions in the issue and independent of
 * src/aggregate: it filters and sorts the raw events for each window directly and rounds with BigInt.
 */
import type { RawEvent } from './scenario.js';

/** round(p / q, 2 decimals) half away from zero, for integers p, q > 0 — exact. */
function round2(p: bigint, q: bigint): number {
  const neg = p < 0n;
  const a = neg ? -p : p;
  const hundredths = (2n * 100n * a + q) / (2n * q);
  return Number(neg ? -hundredths : hundredths) / 100;
}

/** round(p / q) to an integer half away from zero, for integers p >= 0, q > 0 — exact. */
const round0 = (p: bigint, q: bigint) => Number((2n * p + q) / (2n * q));

/** a / b as a percentage with 2 decimals. */
const pct = (a: number, b: number) => (b === 0 ? null : round2(100n * BigInt(a), BigInt(b)));
const t = (e: RawEvent) => Date.parse(e.occurred_at);
const byTimeThenId = (a: RawEvent, b: RawEvent) => t(a) - t(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function expectedKpis(all: readonly RawEvent[], startMs: number, endMs: number): Record<string, number | null> {
  // An id counts once: keep the first copy of each id.
  const seen = new Set<string>();
  const events = all.filter((e) => !seen.has(e.id.toLowerCase()) && seen.add(e.id.toLowerCase()));
  const inWindow = events.filter((e) => t(e) >= startMs && t(e) < endMs);
  const n = (...types: string[]) => inWindow.filter((e) => types.includes(e.type)).length;

  const started = n('workshop_signup_started');
  const completed = n('workshop_signup_success');
  const invitesSent = n('mechanic_invited');
  const invitesAccepted = n('mechanic_invite_accepted');
  const emailsSent = n('email_approval_sent', 'email_rejection_sent', 'email_invite_sent');
  const emailsFailed = n('email_approval_failed', 'email_rejection_failed', 'email_invite_failed');
  const apiErrors = inWindow.filter((e) => e.success === false).length;

  // approval time: each decision in the window, from that workshop's first signup success
  const firstSignup = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'workshop_signup_success')
      firstSignup.set(e.workshop_id!, Math.min(firstSignup.get(e.workshop_id!) ?? Infinity, t(e)));
  }
  const durations = inWindow
    .filter(
      (e) => (e.type === 'workshop_approved' || e.type === 'workshop_rejected') && firstSignup.has(e.workshop_id!),
    )
    .map((e) => BigInt(t(e) - firstSignup.get(e.workshop_id!)!))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const MS_PER_HOUR = 3_600_000n;
  let avg: number | null = null;
  let median: number | null = null;
  if (durations.length) {
    const sum = durations.reduce((s, x) => s + x, 0n);
    avg = round2(sum, BigInt(durations.length) * MS_PER_HOUR);
    const k = durations.length;
    median =
      k % 2
        ? round2(durations[(k - 1) / 2]!, MS_PER_HOUR)
        : round2(durations[k / 2 - 1]! + durations[k / 2]!, 2n * MS_PER_HOUR);
  }

  // invitation to signup: each acceptance in the window whose invite id has a mechanic_invited (the earliest, at
  // any time, whenever it arrived)
  const invitedAt = new Map<string, number>();
  for (const e of events) {
    const id = e.metadata?.invite_id;
    if (e.type === 'mechanic_invited' && typeof id === 'string')
      invitedAt.set(id, Math.min(invitedAt.get(id) ?? Infinity, t(e)));
  }
  const toSignup = inWindow
    .filter((e) => e.type === 'mechanic_invite_accepted' && invitedAt.has(String(e.metadata?.invite_id)))
    .map((e) => BigInt(t(e) - invitedAt.get(String(e.metadata!.invite_id))!));
  const avgToSignup = toSignup.length
    ? round2(
        toSignup.reduce((s, x) => s + x, 0n),
        BigInt(toSignup.length) * MS_PER_HOUR,
      )
    : null;

  const pageViews = inWindow.filter((e) => e.type === 'page_viewed');
  const pageLoad = pageViews.length
    ? round0(
        pageViews.reduce((s, e) => s + BigInt(e.duration_ms!), 0n),
        BigInt(pageViews.length),
      )
    : null;
  const ratings = inWindow.filter((e) => e.type === 'session_rated');
  const satisfaction = ratings.length
    ? round2(
        ratings.reduce((s, e) => s + BigInt(Number(e.metadata!.rating)), 0n),
        BigInt(ratings.length),
      )
    : null;

  // state at the window's end: events strictly before it
  const before = events.filter((e) => t(e) < endMs);
  const workshops = new Set(before.filter((e) => e.workshop_id).map((e) => e.workshop_id!));
  let pending = 0;
  let active = 0;
  let suspended = 0;
  let withMechanics = 0;
  let mechanicsActive = 0;
  let over3 = 0;
  for (const w of workshops) {
    const mine = before.filter((e) => e.workshop_id === w);
    const has = (type: string) => mine.some((e) => e.type === type);
    if (has('workshop_approved')) {
      const lifecycle = mine
        .filter((e) => ['workshop_approved', 'workshop_suspended', 'workshop_reactivated'].includes(e.type))
        .sort(byTimeThenId);
      if (lifecycle[lifecycle.length - 1]!.type === 'workshop_suspended') {
        suspended++;
        continue;
      }
      active++;
      const mechanics = new Set(mine.filter((e) => e.mechanic_id).map((e) => e.mechanic_id!));
      let count = 0;
      for (const m of mechanics) {
        const last = mine
          .filter((e) => e.mechanic_id === m && ['mechanic_invite_accepted', 'mechanic_removed'].includes(e.type))
          .sort(byTimeThenId)
          .pop();
        if (last?.type === 'mechanic_invite_accepted') count++;
      }
      mechanicsActive += count;
      if (count > 0) withMechanics++;
      if (count >= 4) over3++;
    } else if (!has('workshop_rejected') && has('workshop_signup_success')) {
      pending++;
    }
  }

  return {
    signups_started: started,
    signups_completed: completed,
    signups_failed: n('workshop_signup_failed'),
    signup_conversion_rate: pct(completed, started),
    applications_pending: pending,
    applications_approved: n('workshop_approved'),
    applications_rejected: n('workshop_rejected'),
    avg_approval_time_hours: avg,
    median_approval_time_hours: median,
    invites_sent: invitesSent,
    invites_accepted: invitesAccepted,
    invites_expired: n('mechanic_invite_expired'),
    invite_acceptance_rate: pct(invitesAccepted, invitesSent),
    emails_sent: emailsSent,
    emails_failed: emailsFailed,
    email_success_rate: pct(emailsSent, emailsSent + emailsFailed),
    emails_approval_sent: n('email_approval_sent'),
    emails_approval_failed: n('email_approval_failed'),
    emails_rejection_sent: n('email_rejection_sent'),
    emails_rejection_failed: n('email_rejection_failed'),
    emails_invite_sent: n('email_invite_sent'),
    emails_invite_failed: n('email_invite_failed'),
    active_workshops: active,
    pending_workshops: pending,
    suspended_workshops: suspended,
    workshops_with_mechanics: withMechanics,
    total_mechanics_active: mechanicsActive,
    avg_mechanics_per_workshop: active === 0 ? null : round2(BigInt(mechanicsActive), BigInt(active)),
    dashboard_logins: n('workshop_dashboard_accessed'),
    profile_updates: n('workshop_profile_updated'),
    sessions_completed: n('session_completed'),
    revenue_cents: inWindow
      .filter((e) => e.type === 'session_completed')
      .reduce((s, e) => s + Number(e.metadata!.revenue_cents), 0),
    api_errors: apiErrors,
    api_success_rate: pct(inWindow.length - apiErrors, inWindow.length),
    signups_step_1: n('workshop_signup_step_1'),
    signups_step_2: n('workshop_signup_step_2'),
    signups_step_3: n('workshop_signup_step_3'),
    signups_submitted: n('workshop_signup_submitted'),
    applications_viewed: n('workshop_application_viewed'),
    approval_rate: pct(n('workshop_approved'), n('workshop_approved', 'workshop_rejected')),
    total_mechanics_invited: before.filter((e) => e.type === 'mechanic_invited').length,
    workshops_over_3_mechanics: over3,
    pct_workshops_with_mechanics: pct(withMechanics, active),
    avg_invite_to_signup_hours: avgToSignup,
    avg_page_load_ms: pageLoad,
    avg_satisfaction: satisfaction,
  };
}
