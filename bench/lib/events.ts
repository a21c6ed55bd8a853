/**
 * A realistic, catalogue-valid event mix for the ingest benchmark: mostly dashboard visits and anonymous
 * signup-funnel steps, then emails, invitations, repair sessions and the odd approval decision, spread over
 * ~200 workshops. Every event has a fresh id and an occurred_at in the current month, never in the future.
 */
import { randomUUID } from 'node:crypto';
import { validateEvent, type NormalizedEvent } from '../../src/ingest/event-schema.js';

export type RawEvent = { id: string; type: string } & Record<string, unknown>;

const rand = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
const pool = (n: number, make: () => string) => Array.from({ length: n }, make);

const WORKSHOPS = pool(200, randomUUID);
const OWNERS = new Map(WORKSHOPS.map((w) => [w, randomUUID()]));
const ADMINS = pool(4, randomUUID);
const MECHANICS = pool(600, randomUUID);
const INVITES = pool(2000, () => `inv_${randomUUID().slice(0, 12)}`);
const SESSIONS = pool(5000, () => `sess_${randomUUID().replaceAll('-', '').slice(0, 20)}`);
const CITIES = [
  ['Toronto', 'ON', 43.65, -79.38],
  ['Montréal', 'QC', 45.5, -73.57],
  ['Vancouver', 'BC', 49.28, -123.12],
  ['Calgary', 'AB', 51.05, -114.07],
  ['Halifax', 'NS', 44.65, -63.57],
] as const;
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
];
const SMTP_ERRORS = [
  'SMTP 421 4.7.0 try again later',
  'connect ETIMEDOUT 10.0.3.25:587',
  'SMTP 550 5.1.1 mailbox unavailable',
];

/** Occurred_at: uniform between the start of the current UTC month and one second ago. */
function occurredAt(): string {
  const now = Date.now();
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return new Date(start + Math.random() * Math.max(0, now - 1000 - start)).toISOString();
}

const web = () => ({ ip_address: `203.0.${rand(256)}.${1 + rand(254)}`, user_agent: pick(AGENTS) });

type Maker = (ws: string) => Record<string, unknown>;
const MIX: Array<[weight: number, type: string, make: Maker]> = [
  [
    34,
    'workshop_dashboard_accessed',
    (ws) => ({
      workshop_id: ws,
      user_id: OWNERS.get(ws),
      session_id: pick(SESSIONS),
      duration_ms: 80 + rand(1500),
      ...web(),
    }),
  ],
  [
    6,
    'workshop_signup_started',
    () => ({ session_id: pick(SESSIONS), ...web(), metadata: { referrer: pick(['google', 'direct', 'partner']) } }),
  ],
  [5, 'workshop_signup_step_1', () => ({ session_id: pick(SESSIONS), duration_ms: 2000 + rand(60_000), ...web() })],
  [4, 'workshop_signup_step_2', () => ({ session_id: pick(SESSIONS), duration_ms: 2000 + rand(90_000), ...web() })],
  [3, 'workshop_signup_step_3', () => ({ session_id: pick(SESSIONS), duration_ms: 2000 + rand(90_000), ...web() })],
  [3, 'workshop_signup_submitted', () => ({ session_id: pick(SESSIONS), ...web() })],
  [
    1,
    'workshop_signup_failed',
    () => ({ session_id: pick(SESSIONS), success: false, error_message: 'duplicate business number', ...web() }),
  ],
  [
    2,
    'workshop_signup_success',
    (ws) => {
      const [city, province, lat, lon] = pick(CITIES);
      return {
        workshop_id: ws,
        session_id: pick(SESSIONS),
        metadata: { name: `Garage ${ws.slice(0, 6)}`, city, province, lat, lon, capacity: 2 + rand(20) },
      };
    },
  ],
  [1, 'workshop_application_viewed', (ws) => ({ workshop_id: ws, admin_id: pick(ADMINS) })],
  [1, 'workshop_approved', (ws) => ({ workshop_id: ws, admin_id: pick(ADMINS) })],
  [
    0.5,
    'workshop_rejected',
    (ws) => ({ workshop_id: ws, admin_id: pick(ADMINS), metadata: { reason: 'incomplete documents' } }),
  ],
  [1, 'email_approval_sent', (ws) => ({ workshop_id: ws, duration_ms: 150 + rand(900) })],
  [
    7,
    'email_invite_sent',
    (ws) => ({ workshop_id: ws, duration_ms: 150 + rand(900), metadata: { invite_id: pick(INVITES) } }),
  ],
  [0.5, 'email_invite_failed', (ws) => ({ workshop_id: ws, success: false, error_message: pick(SMTP_ERRORS) })],
  [
    8,
    'mechanic_invited',
    (ws) => ({ workshop_id: ws, user_id: OWNERS.get(ws), metadata: { invite_id: pick(INVITES), channel: 'email' } }),
  ],
  [4, 'mechanic_invite_viewed', (ws) => ({ workshop_id: ws, metadata: { invite_id: pick(INVITES) }, ...web() })],
  [
    3,
    'mechanic_invite_accepted',
    (ws) => ({ workshop_id: ws, mechanic_id: pick(MECHANICS), metadata: { invite_id: pick(INVITES) } }),
  ],
  [1, 'mechanic_invite_expired', (ws) => ({ workshop_id: ws, metadata: { invite_id: pick(INVITES) } })],
  [
    5,
    'workshop_profile_updated',
    (ws) => ({
      workshop_id: ws,
      user_id: OWNERS.get(ws),
      metadata: { profile_completeness: rand(101), fields: ['hours', 'services'] },
    }),
  ],
  [
    9,
    'session_completed',
    (ws) => ({
      workshop_id: ws,
      mechanic_id: pick(MECHANICS),
      duration_ms: 600_000 + rand(7_200_000),
      metadata: { revenue_cents: 4500 + rand(60_000), service: pick(['oil', 'brakes', 'tires', 'diagnostic']) },
    }),
  ],
  [0.5, 'mechanic_removed', (ws) => ({ workshop_id: ws, mechanic_id: pick(MECHANICS), admin_id: pick(ADMINS) })],
];
const TOTAL = MIX.reduce((s, [w]) => s + w, 0);

/** One fresh event as a client would send it. */
export function makeEvent(): RawEvent {
  let r = Math.random() * TOTAL;
  let entry = MIX[MIX.length - 1]!;
  for (const m of MIX)
    if ((r -= m[0]) < 0) {
      entry = m;
      break;
    }
  const [, type, make] = entry;
  return { id: randomUUID(), type, occurred_at: occurredAt(), ...make(pick(WORKSHOPS)) };
}

/** The same event as the service normalizes it (for the direct-to-database baselines). */
export function normalize(raw: RawEvent): NormalizedEvent {
  const r = validateEvent(raw, 0, { ipMode: 'store', nowMs: Date.now() });
  if ('problems' in r) throw new Error(`generated an invalid event: ${JSON.stringify(r.problems)}`);
  return r.event;
}

/** Column order of workshop_events used by the baselines (mirrors EVENT_COLUMNS in event-store.ts). */
export const COLUMNS = [
  ['id', 'uuid'],
  ['occurred_at', 'timestamptz'],
  ['event_type', 'text'],
  ['event_category', 'text'],
  ['workshop_id', 'uuid'],
  ['user_id', 'uuid'],
  ['mechanic_id', 'uuid'],
  ['admin_id', 'uuid'],
  ['metadata', 'jsonb'],
  ['session_id', 'text'],
  ['ip_address', 'inet'],
  ['user_agent', 'text'],
  ['success', 'bool'],
  ['error_message', 'text'],
  ['duration_ms', 'int4'],
  ['invite_id', 'text'],
  ['revenue_cents', 'int8'],
] as const;

export function rowOf(e: NormalizedEvent): unknown[] {
  return [
    e.id,
    e.occurredAt,
    e.type,
    e.category,
    e.workshopId,
    e.userId,
    e.mechanicId,
    e.adminId,
    e.metadata === null ? null : JSON.stringify(e.metadata),
    e.sessionId,
    e.ipAddress,
    e.userAgent,
    e.success,
    e.errorMessage,
    e.durationMs,
    e.inviteId,
    e.revenueCents,
  ];
}
