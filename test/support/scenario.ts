/**
 * A deterministic beta-programme scenario: weeks of signup funnels, approvals and rejections, emails that
 * fail, invitations accepted and expired, mechanics leaving, suspensions, dashboard logins and sessions, page
 * views with load times and session ratings. Same seed, same events (ids included).
 *
 * What issue 12 added (page_viewed, session_rated, rejection reasons, regions, resent invitations, acceptances of
 * unknown invitations) draws from a second generator, so the events of the first are the same as before.
 */
import { demoRandom, type DemoEvent } from '../../scripts/demo/programme.js';

/** An event on the wire, as the demo programme builds them. */
export type RawEvent = DemoEvent;

/** The same seeded generator the demo uses (mulberry32, uuid v4 shaped ids). */
export const prng = demoRandom;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CITIES = ['Toronto', 'Ottawa', 'Hamilton', 'London', 'Mississauga', 'Kitchener'];
const REGIONS = ['GTA', 'Ottawa', 'Hamilton', 'London'];
const REASONS = ['Incomplete documents', 'Outside the service area', 'Duplicate application'];
const PAGES = ['/dashboard', '/mechanics', '/sessions', '/profile'];

export interface Scenario {
  events: RawEvent[];
  startMs: number;
  days: number;
}

/** The first workshop approved in the current generation (boundary events go to it). */
let firstWorkshop: string | undefined;

/** `days` days of programme from `startIso` (a midnight), all events strictly before the end. */
export function generateScenario(seed: number, startIso = '2026-03-02T00:00:00Z', days = 21): Scenario {
  const r = prng(seed);
  const x = prng(seed + 0x1200);
  const start = Date.parse(startIso);
  const end = start + days * DAY;
  const events: RawEvent[] = [];
  const admin = r.uuid();
  const push =
    (g: typeof r) =>
    (type: string, atMs: number, fields: Partial<RawEvent> = {}) => {
      if (atMs >= end) return;
      events.push({ id: g.uuid(), type, occurred_at: new Date(Math.floor(atMs)).toISOString(), ...fields });
    };
  const add = push(r);
  const extra: Extra = { x, add: push(x) };
  firstWorkshop = undefined;
  for (let d = 0; d < days; d++) {
    const dayStart = start + d * DAY;
    const sessions = r.int(2, 6);
    for (let s = 0; s < sessions; s++) {
      const session_id = `sess-${seed}-${d}-${s}`;
      let t = dayStart + r.int(0, 20 * HOUR);
      add('workshop_signup_started', t, { session_id });
      let step = 0;
      while (step < 3 && r.chance(0.75))
        add(`workshop_signup_step_${++step}`, (t += r.int(60_000, 900_000)), { session_id });
      if (step < 3) continue;
      add('workshop_signup_submitted', (t += r.int(60_000, 300_000)), { session_id });
      if (r.chance(0.2)) {
        add('workshop_signup_failed', t + 1000, { session_id, success: false, error_message: 'validation error' });
        continue;
      }
      workshopLifecycle(r, add, admin, t + 2000, end, extra);
    }
  }
  // An event exactly at a day boundary belongs to the next day.
  add('workshop_signup_started', start + 2 * DAY, { session_id: `sess-${seed}-boundary` });
  // A page view and a rating exactly at a day boundary.
  if (firstWorkshop) {
    extra.add('page_viewed', start + 3 * DAY, { workshop_id: firstWorkshop, duration_ms: 4321 });
    extra.add('session_rated', start + 3 * DAY, { workshop_id: firstWorkshop, metadata: { rating: 1 } });
  }
  return { events, startMs: start, days };
}

type Add = (type: string, atMs: number, fields?: Partial<RawEvent>) => void;
/** The second generator and its `add`. */
interface Extra {
  x: ReturnType<typeof prng>;
  add: Add;
}

function workshopLifecycle(r: ReturnType<typeof prng>, add: Add, admin: string, t0: number, end: number, ex: Extra) {
  const { x } = ex;
  const w = r.uuid();
  const capacity = r.int(2, 8);
  const region = x.chance(0.8) ? { region: x.pick(REGIONS) } : {};
  add('workshop_signup_success', t0, {
    workshop_id: w,
    metadata: { name: `Workshop ${w.slice(0, 4)}`, city: CITIES[r.int(0, CITIES.length - 1)], capacity, ...region },
  });
  if (r.chance(0.15)) return; // stays pending
  const decidedAt = t0 + r.int(1, 80) * HOUR + r.int(0, 3_599_999);
  add('workshop_application_viewed', decidedAt - HOUR / 2, { workshop_id: w, admin_id: admin });
  if (r.chance(0.2)) {
    const reason = x.chance(0.7) ? { metadata: { reason: x.pick(REASONS) } } : {};
    add('workshop_rejected', decidedAt, { workshop_id: w, admin_id: admin, ...reason });
    if (r.chance(0.5))
      add('email_rejection_failed', decidedAt + 5000, { workshop_id: w, error_message: 'Resend API error' });
    else add('email_rejection_sent', decidedAt + 5000, { workshop_id: w });
    return;
  }
  add('workshop_approved', decidedAt, { workshop_id: w, admin_id: admin });
  if (r.chance(0.25)) add('email_approval_failed', decidedAt + 5000, { workshop_id: w, error_message: 'SMTP 451' });
  else add('email_approval_sent', decidedAt + 5000, { workshop_id: w });
  const t = decidedAt;
  const mechanics: string[] = [];
  const invites = r.int(1, 7);
  for (let i = 0; i < invites; i++) {
    const invite_id = `inv-${w.slice(0, 8)}-${i}`;
    const sent = t + r.int(1, 30) * HOUR;
    add('mechanic_invited', sent, { workshop_id: w, metadata: { invite_id } });
    // a reminder: the same invitation again (the earliest counts for the time to signup); some arrive first
    if (x.chance(0.15))
      ex.add('mechanic_invited', sent + x.int(-5, 30) * HOUR, { workshop_id: w, metadata: { invite_id } });
    if (r.chance(0.15)) add('email_invite_failed', sent + 1000, { workshop_id: w, error_message: 'mailbox full' });
    else add('email_invite_sent', sent + 1000, { workshop_id: w });
    if (r.chance(0.6))
      add('mechanic_invite_viewed', sent + r.int(1, 20) * HOUR, { workshop_id: w, metadata: { invite_id } });
    if (r.chance(0.65)) {
      const m = r.uuid();
      mechanics.push(m);
      add('mechanic_invite_accepted', sent + r.int(20, 100) * HOUR, {
        workshop_id: w,
        mechanic_id: m,
        metadata: { invite_id },
      });
      if (mechanics.length === 1) add('workshop_first_mechanic', sent + 101 * HOUR, { workshop_id: w });
    } else if (x.chance(0.1)) {
      // an acceptance of an invitation never sent (no time to signup), and the invitation expiring
      ex.add('mechanic_invite_accepted', sent + x.int(1, 50) * HOUR, {
        workshop_id: w,
        mechanic_id: x.uuid(),
        metadata: { invite_id: `${invite_id}-unknown` },
      });
      add('mechanic_invite_expired', sent + 7 * DAY, { workshop_id: w, metadata: { invite_id } });
    } else {
      add('mechanic_invite_expired', sent + 7 * DAY, { workshop_id: w, metadata: { invite_id } });
    }
  }
  for (const m of mechanics)
    if (r.chance(0.2)) add('mechanic_removed', decidedAt + r.int(110, 300) * HOUR, { workshop_id: w, mechanic_id: m });
  firstWorkshop ??= w;
  for (let day = decidedAt; day < end; day += DAY) {
    for (let v = x.int(0, 3); v > 0; v--)
      ex.add('page_viewed', day + x.int(0, 23) * HOUR + x.int(0, 3_599_999), {
        workshop_id: w,
        duration_ms: x.int(150, 6_000),
        ...(x.chance(0.7) ? { metadata: { path: x.pick(PAGES) } } : {}),
      });
    if (x.chance(0.4))
      ex.add('session_rated', day + x.int(0, 23) * HOUR, { workshop_id: w, metadata: { rating: x.int(1, 5) } });
    if (r.chance(0.7))
      add('workshop_dashboard_accessed', day + r.int(0, 20) * HOUR, { workshop_id: w, success: !r.chance(0.05) });
    if (r.chance(0.15))
      add('workshop_profile_updated', day + r.int(0, 20) * HOUR, {
        workshop_id: w,
        metadata: { profile_completeness: r.int(40, 100) },
      });
    for (let s = r.int(0, 3); s > 0; s--)
      add('session_completed', day + r.int(0, 23) * HOUR, {
        workshop_id: w,
        metadata: { revenue_cents: r.int(2_000, 40_000) },
      });
  }
  if (r.chance(0.3)) {
    const sus = decidedAt + r.int(48, 200) * HOUR;
    add('workshop_suspended', sus, { workshop_id: w });
    if (r.chance(0.5)) add('workshop_reactivated', sus + r.int(24, 96) * HOUR, { workshop_id: w });
  }
}
