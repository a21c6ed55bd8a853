/**
 * A realistic workshop programme in progress, ending at `nowMs`: six weeks of signup funnels (with drop-off
 * and failures), approvals and rejections (one application pending for days, one just in), emails that fail,
 * invitations accepted, viewed and expired, mechanics leaving, a suspension (and a reactivation), a workshop
 * that went quiet, daily dashboard logins, profile updates and completed sessions with revenue, page views with
 * their load times and customers' session ratings — in Ontario cities (with their programme region) with
 * coordinates and capacity. Ten workshops; the roster below says what each one shows.
 *
 * Pure and deterministic: the same (nowMs, seed) gives the same events, ids included, so loading the same
 * programme twice stores nothing new (the second load counts duplicates). Another nowMs (a later run of
 * `npm run demo`) gives another programme with its own ids: load it into a fresh database. Page views and ratings
 * draw from a second generator, so adding them left the other events as they were.
 */

export interface DemoEvent {
  id: string;
  type: string;
  occurred_at: string;
  workshop_id?: string;
  mechanic_id?: string;
  admin_id?: string;
  session_id?: string;
  success?: boolean;
  error_message?: string;
  duration_ms?: number;
  user_agent?: string;
  metadata?: Record<string, unknown>;
}

export type DemoFate =
  'active' | 'suspended' | 'reactivated' | 'inactive' | 'low_acceptance' | 'rejected' | 'stuck' | 'pending';

export interface DemoWorkshop {
  workshop_id: string;
  name: string;
  city: string;
  fate: DemoFate;
  signup_at: string;
}

export interface DemoProgramme {
  events: DemoEvent[];
  workshops: DemoWorkshop[];
  /** First and last instants covered (ms); every event is in [startMs, endMs]. */
  startMs: number;
  endMs: number;
  /** UTC calendar dates of the range (YYYY-MM-DD), for the KPI backfill. */
  startDate: string;
  endDate: string;
}

export const DEMO_WEEKS = 6;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** mulberry32: small, fast, and the same on every platform. */
export function demoRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => int(0, 15).toString(16));
    h[12] = '4';
    h[16] = '89ab'[int(0, 3)]!;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  return {
    next,
    int,
    uuid,
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!,
  };
}
type Rng = ReturnType<typeof demoRandom>;

interface Profile {
  name: string;
  city: string;
  /** The programme region (workshop_signup_success's metadata.region). */
  region: string;
  lat: number;
  lon: number;
  capacity: number;
  fate: DemoFate;
  /** Signup, in days before now. */
  signupDaysAgo: number;
  /** Hours from signup to the admin's decision (approval or rejection). */
  decisionHours: number;
  invites: number;
  acceptRate: number;
  /** Sessions per day per active mechanic (average). */
  busyness: number;
}

/** The roster: each fate gives a dashboard or a check something to show. */
const ROSTER: readonly Profile[] = [
  {
    name: 'Toronto Auto Specialists',
    city: 'Toronto',
    region: 'GTA',
    lat: 43.6532,
    lon: -79.3832,
    capacity: 8,
    fate: 'active',
    signupDaysAgo: 40,
    decisionHours: 18,
    invites: 8,
    acceptRate: 0.8,
    busyness: 0.9,
  },
  {
    name: 'Ottawa Precision Garage',
    city: 'Ottawa',
    region: 'Ottawa',
    lat: 45.4215,
    lon: -75.6972,
    capacity: 6,
    fate: 'active',
    signupDaysAgo: 37,
    decisionHours: 30,
    invites: 6,
    acceptRate: 0.7,
    busyness: 0.7,
  },
  {
    name: 'Hamilton Steel City Motors',
    city: 'Hamilton',
    region: 'Hamilton',
    lat: 43.2557,
    lon: -79.8711,
    capacity: 5,
    fate: 'suspended',
    signupDaysAgo: 34,
    decisionHours: 26,
    invites: 4,
    acceptRate: 0.75,
    busyness: 0.6,
  },
  {
    name: 'London Forest City Auto',
    city: 'London',
    region: 'London',
    lat: 42.9849,
    lon: -81.2453,
    capacity: 4,
    fate: 'reactivated',
    signupDaysAgo: 31,
    decisionHours: 40,
    invites: 4,
    acceptRate: 0.75,
    busyness: 0.6,
  },
  {
    name: 'Kingston Limestone Auto Care',
    city: 'Kingston',
    region: 'Eastern Ontario',
    lat: 44.2312,
    lon: -76.486,
    capacity: 3,
    fate: 'inactive',
    signupDaysAgo: 36,
    decisionHours: 22,
    invites: 2,
    acceptRate: 0.5,
    busyness: 0.3,
  },
  {
    name: 'Mississauga Brake & Tire',
    city: 'Mississauga',
    region: 'GTA',
    lat: 43.589,
    lon: -79.6441,
    capacity: 10,
    fate: 'low_acceptance',
    signupDaysAgo: 24,
    decisionHours: 60,
    invites: 9,
    acceptRate: 0.25,
    busyness: 0.8,
  },
  {
    name: 'Sudbury Northern Auto Works',
    city: 'Sudbury',
    region: 'Northern Ontario',
    lat: 46.4917,
    lon: -80.993,
    capacity: 4,
    fate: 'active',
    signupDaysAgo: 3.2,
    decisionHours: 21,
    invites: 3,
    acceptRate: 0.7,
    busyness: 0.7,
  },
  {
    name: 'Kitchener Tech Auto',
    city: 'Kitchener',
    region: 'Kitchener-Waterloo',
    lat: 43.4516,
    lon: -80.4925,
    capacity: 4,
    fate: 'rejected',
    signupDaysAgo: 20,
    decisionHours: 52,
    invites: 0,
    acceptRate: 0,
    busyness: 0,
  },
  {
    name: 'Windsor Border Auto Repair',
    city: 'Windsor',
    region: 'Southwestern Ontario',
    lat: 42.3149,
    lon: -83.0364,
    capacity: 5,
    fate: 'stuck',
    signupDaysAgo: 4.5,
    decisionHours: 0,
    invites: 0,
    acceptRate: 0,
    busyness: 0,
  },
  {
    name: 'Barrie Lakeshore Garage',
    city: 'Barrie',
    region: 'Central Ontario',
    lat: 44.3894,
    lon: -79.6903,
    capacity: 6,
    fate: 'pending',
    signupDaysAgo: 0.3,
    decisionHours: 0,
    invites: 0,
    acceptRate: 0,
    busyness: 0,
  },
];

const EMAIL_ERRORS = [
  'SMTP 451 4.7.1 try again later',
  'Resend API error: 429 rate limited',
  'mailbox full',
  'SMTP 550 5.1.1 no such user',
];
const DEVICES = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5)',
];

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function demoProgramme(nowMs: number, seed = 20260315): DemoProgramme {
  const endMs = Math.floor(nowMs) - MINUTE; // strictly in the past, whatever the service's clock says
  const r = demoRandom(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.floor(endMs / 1000));
  const startMs = endMs - DEMO_WEEKS * 7 * DAY;
  // page views and ratings: their own generator, so the events of `r` are those of earlier releases
  const x = demoRandom(Math.imul(seed ^ 0x1b873593, 0x85ebca6b) ^ Math.floor(endMs / 1000));
  const events: DemoEvent[] = [];
  const admins = [r.uuid(), r.uuid()];
  const adder =
    (g: Rng): Add =>
    (type, atMs, fields = {}) => {
      if (atMs > endMs || atMs < startMs) return false;
      events.push({ id: g.uuid(), type, occurred_at: new Date(Math.floor(atMs)).toISOString(), ...fields });
      return true;
    };
  const add = adder(r);
  const extra = { x, add: adder(x) };
  // A daytime instant (08:00-20:00 Toronto, about 12:00-24:00 UTC) on the day of `ms`.
  const daytime = (ms: number) => Math.floor(ms / DAY) * DAY + 12 * HOUR + r.int(0, 12 * HOUR - 1);

  // Anonymous signup traffic: most visitors drop off somewhere in the funnel; some submissions fail.
  let sessionNo = 0;
  const funnel = (atMs: number, complete: boolean): number => {
    const session_id = `demo-${seed}-${++sessionNo}`;
    let t = atMs;
    add('workshop_signup_started', t, {
      session_id,
      metadata: { utm_source: r.pick(['google', 'referral', 'facebook', 'direct']) },
    });
    for (let step = 1; step <= 3; step++) {
      if (!complete && !r.chance([0.7, 0.65, 0.8][step - 1]!)) return -1;
      add(`workshop_signup_step_${step}`, (t += r.int(2 * MINUTE, 12 * MINUTE)), {
        session_id,
        duration_ms: r.int(40_000, 600_000),
      });
    }
    add('workshop_signup_submitted', (t += r.int(MINUTE, 4 * MINUTE)), { session_id });
    if (!complete) {
      if (r.chance(0.5))
        add('workshop_signup_failed', t + 1500, {
          session_id,
          success: false,
          error_message: r.pick([
            'business number already registered',
            'address validation failed',
            'upload timed out',
          ]),
        });
      return -1;
    }
    return t + 2000;
  };
  for (let d = startMs; d < endMs; d += DAY) {
    for (let n = r.int(3, 9); n > 0; n--) funnel(daytime(d), false);
  }

  const workshops: DemoWorkshop[] = [];
  for (const p of ROSTER) {
    const w = r.uuid();
    const around = endMs - p.signupDaysAgo * DAY;
    const signupMs = funnel(p.signupDaysAgo >= 2 ? daytime(around) : around, true);
    workshops.push({
      workshop_id: w,
      name: p.name,
      city: p.city,
      fate: p.fate,
      signup_at: new Date(signupMs).toISOString(),
    });
    add('workshop_signup_success', signupMs, {
      workshop_id: w,
      metadata: {
        name: p.name,
        city: p.city,
        province: 'ON',
        region: p.region,
        lat: p.lat,
        lon: p.lon,
        capacity: p.capacity,
      },
    });
    if (p.fate === 'stuck' || p.fate === 'pending') {
      if (p.fate === 'stuck')
        add('workshop_application_viewed', signupMs + 20 * HOUR, { workshop_id: w, admin_id: admins[0] });
      continue;
    }
    const admin = r.pick(admins);
    const decidedMs = signupMs + p.decisionHours * HOUR + r.int(0, HOUR);
    add('workshop_application_viewed', decidedMs - r.int(10, 90) * MINUTE, { workshop_id: w, admin_id: admin });
    if (p.fate === 'rejected') {
      add('workshop_rejected', decidedMs, {
        workshop_id: w,
        admin_id: admin,
        metadata: { reason: 'incomplete insurance documents' },
      });
      add('email_rejection_failed', decidedMs + 5000, {
        workshop_id: w,
        success: false,
        error_message: EMAIL_ERRORS[0],
      });
      add('email_rejection_sent', decidedMs + 20 * MINUTE, { workshop_id: w, metadata: { retry: 1 } });
      continue;
    }
    add('workshop_approved', decidedMs, { workshop_id: w, admin_id: admin });
    if (r.chance(0.3)) {
      add('email_approval_failed', decidedMs + 5000, {
        workshop_id: w,
        success: false,
        error_message: r.pick(EMAIL_ERRORS),
      });
      add('email_approval_sent', decidedMs + 15 * MINUTE, { workshop_id: w, metadata: { retry: 1 } });
    } else {
      add('email_approval_sent', decidedMs + 5000, { workshop_id: w });
    }
    lifecycle(r, add, p, w, admin, decidedMs, endMs, extra);
  }

  events.sort((a, b) =>
    a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : a.id < b.id ? -1 : 1,
  );
  return { events, workshops, startMs, endMs, startDate: isoDate(startMs), endDate: isoDate(endMs) };
}

type Add = (type: string, atMs: number, fields?: Partial<DemoEvent>) => boolean;

const PAGES = ['/dashboard', '/mechanics', '/invitations', '/sessions', '/profile'];

/** After approval: invitations and mechanics, logins, page views, profile, sessions and their ratings, suspension. */
function lifecycle(
  r: Rng,
  add: Add,
  p: Profile,
  w: string,
  admin: string,
  approvedMs: number,
  endMs: number,
  ex: { x: Rng; add: Add },
) {
  const { x } = ex;
  const mechanics: Array<{ id: string; joinedMs: number; removedMs: number }> = [];
  let firstMechanic = false;
  // Invitations spread over the weeks after approval (the low-acceptance workshop sends its own in the last 3 weeks).
  const inviteWindowStart = p.fate === 'low_acceptance' ? Math.max(approvedMs, endMs - 21 * DAY) : approvedMs;
  // The inactive workshop stops inviting when it stops logging in (churn is "no logins, no invites" for 14 days).
  const inviteSpan =
    p.fate === 'inactive' ? 8 * DAY : Math.max(DAY, Math.min(endMs - inviteWindowStart - DAY, 24 * DAY));
  for (let i = 0; i < p.invites; i++) {
    const invite_id = `demo-${w.slice(0, 8)}-${i + 1}`;
    // active workshops keep inviting: their last invite went out today (so the 24 h email gauges have data)
    const latest = p.fate === 'active' && i === p.invites - 1;
    const spread = inviteWindowStart + 2 * HOUR + Math.floor(((i + r.next()) / p.invites) * inviteSpan);
    const sent = latest ? endMs - r.int(2, 20) * HOUR : spread;
    if (!add('mechanic_invited', sent, { workshop_id: w, metadata: { invite_id, channel: r.pick(['email', 'sms']) } }))
      continue;
    // about one in eight invite emails fails; Ottawa's second one always does (its mail provider had a bad day)
    if (r.chance(0.12) || (i === 1 && p.city === 'Ottawa'))
      add('email_invite_failed', sent + 1000, {
        workshop_id: w,
        success: false,
        error_message: r.pick(EMAIL_ERRORS),
        metadata: { invite_id },
      });
    else add('email_invite_sent', sent + 1000, { workshop_id: w, metadata: { invite_id } });
    const viewed =
      r.chance(0.75) &&
      add('mechanic_invite_viewed', sent + r.int(1, 30) * HOUR, { workshop_id: w, metadata: { invite_id } });
    const acceptMs = sent + r.int(3, 96) * HOUR;
    if (viewed && r.chance(p.acceptRate) && acceptMs < endMs && mechanics.length < p.capacity) {
      const m = { id: r.uuid(), joinedMs: acceptMs, removedMs: Infinity };
      add('mechanic_invite_accepted', acceptMs, { workshop_id: w, mechanic_id: m.id, metadata: { invite_id } });
      mechanics.push(m);
      if (!firstMechanic) firstMechanic = add('workshop_first_mechanic', acceptMs + 1000, { workshop_id: w });
      if (mechanics.length === p.capacity)
        add('workshop_capacity_reached', acceptMs + 2000, { workshop_id: w, metadata: { capacity: p.capacity } });
    } else if (sent + 7 * DAY <= endMs) {
      // INVITE_TTL_DAYS (7): the service would emit this itself on its hourly check
      add('mechanic_invite_expired', sent + 7 * DAY, {
        workshop_id: w,
        metadata: { invite_id, reason: 'ttl', ttl_days: 7 },
      });
    }
  }
  // One mechanic leaves the two busiest workshops.
  if ((p.fate === 'active' || p.fate === 'reactivated') && mechanics.length >= 2) {
    const m = mechanics[r.int(0, mechanics.length - 1)]!;
    const at = m.joinedMs + r.int(5, 15) * DAY;
    if (
      add('mechanic_removed', at, {
        workshop_id: w,
        mechanic_id: m.id,
        metadata: { reason: r.pick(['left the workshop', 'removed by owner']) },
      })
    )
      m.removedMs = at;
  }
  // Suspension: Hamilton stays suspended, London is reactivated four days later.
  let suspendedFrom = Infinity;
  let suspendedTo = Infinity;
  if (p.fate === 'suspended' || p.fate === 'reactivated') {
    suspendedFrom = endMs - (p.fate === 'suspended' ? 9 : 16) * DAY + r.int(0, 8) * HOUR;
    add('workshop_suspended', suspendedFrom, {
      workshop_id: w,
      admin_id: admin,
      metadata: {
        reason: p.fate === 'suspended' ? 'insurance certificate expired' : 'customer complaints under review',
      },
    });
    if (p.fate === 'reactivated') {
      suspendedTo = suspendedFrom + 4 * DAY;
      add('workshop_reactivated', suspendedTo, { workshop_id: w, admin_id: admin });
    }
  }
  // The inactive workshop stops logging in 10 days after approval (so > 14 days ago).
  const lastLogin = p.fate === 'inactive' ? approvedMs + 10 * DAY : Infinity;
  let completeness = r.int(35, 55);
  for (let day = approvedMs + HOUR; day < endMs; day += DAY) {
    const suspended = day >= suspendedFrom && day < suspendedTo;
    if (day < lastLogin && r.chance(suspended ? 0.3 : 0.85)) {
      const at = day + r.int(0, 10 * HOUR);
      add('workshop_dashboard_accessed', at, {
        workshop_id: w,
        success: !r.chance(0.03),
        duration_ms: r.int(80, 900),
        user_agent: r.pick(DEVICES),
      });
      // the pages of that visit, each with its load time: mostly 0.4-2.5 s, now and then a slow one
      for (let v = x.int(1, 4), t = at; v > 0; v--)
        ex.add('page_viewed', (t += x.int(5_000, 120_000)), {
          workshop_id: w,
          duration_ms: x.chance(0.06) ? x.int(3_000, 9_000) : x.int(400, 2_500),
          metadata: { path: x.pick(PAGES) },
        });
    }
    if (completeness < 100 && r.chance(day - approvedMs < 7 * DAY ? 0.5 : 0.12)) {
      completeness = Math.min(100, completeness + r.int(5, 20));
      add('workshop_profile_updated', day + r.int(0, 12 * HOUR), {
        workshop_id: w,
        metadata: {
          profile_completeness: completeness,
          fields: r.pick([['hours'], ['services', 'brands'], ['photos'], ['description']]),
        },
      });
    }
    if (suspended) continue;
    const working = mechanics.filter((m) => m.joinedMs <= day && m.removedMs > day).length;
    const sessions = Math.round(working * p.busyness * (0.8 + r.next()));
    for (let s = 0; s < sessions; s++) {
      const at = day + r.int(HOUR, 22 * HOUR);
      add('session_completed', at, {
        workshop_id: w,
        metadata: {
          revenue_cents: r.int(45, 900) * 100 + r.pick([0, 50, 99]),
          service: r.pick(['oil change', 'brakes', 'tires', 'diagnostics', 'battery', 'suspension']),
        },
      });
      // about a third of the customers rate their session, mostly well
      if (x.chance(0.35))
        ex.add('session_rated', at + x.int(10, 180) * MINUTE, {
          workshop_id: w,
          metadata: { rating: x.pick([5, 5, 5, 4, 4, 4, 3, 2, 1]) },
        });
    }
  }
}
