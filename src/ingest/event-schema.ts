/**
 * Validation of incoming events against the catalogue. Produces normalized events ready for the store, or
 * a list of problems `{index, path, message}` naming each offending field.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { EVENT_CATALOGUE, EVENT_TYPES, type EventCategory, type EventType } from '../catalogue/event-catalogue.js';
import type { IpMode } from '../config.js';
import { hostileInput } from './hostile-input.js';

export const MAX_BATCH_EVENTS = 1000;
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_FUTURE_MS = 5 * 60 * 1000;
/** Events before this instant are refused: it bounds how many monthly partitions input can create. */
export const MIN_OCCURRED_AT = Date.parse('2000-01-01T00:00:00Z');

/** An event as stored: typed columns for everything KPIs read. */
export interface NormalizedEvent {
  id: string;
  type: EventType;
  category: EventCategory;
  occurredAt: string;
  occurredAtMs: number;
  workshopId: string | null;
  userId: string | null;
  mechanicId: string | null;
  adminId: string | null;
  sessionId: string | null;
  success: boolean;
  errorMessage: string | null;
  durationMs: number | null;
  ipAddress: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown> | null;
  inviteId: string | null;
  revenueCents: number | null;
}

export interface Problem {
  index: number;
  path: string;
  message: string;
}

const uuid = z.uuid({ message: 'must be a UUID' });

/** The fields of one event, each optional; the catalogue says which a type requires (checkRequirements). */
export const baseEvent = z.strictObject({
  id: uuid.optional(),
  type: z.enum(EVENT_TYPES as [EventType, ...EventType[]], { message: 'unknown event type (see docs/events.md)' }),
  occurred_at: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp with a time zone' }).optional(),
  workshop_id: uuid.optional(),
  user_id: uuid.optional(),
  mechanic_id: uuid.optional(),
  admin_id: uuid.optional(),
  session_id: z.string().min(1).max(128).optional(),
  success: z.boolean().optional(),
  error_message: z.string().min(1).max(2000).optional(),
  duration_ms: z.number().int().min(0).max(2_147_483_647).optional(),
  ip_address: z
    .string()
    .refine((v) => isIP(v) !== 0, { message: 'must be an IPv4 or IPv6 address' })
    .optional(),
  user_agent: z.string().max(512).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

type BaseEvent = z.infer<typeof baseEvent>;

function zodProblems(index: number, error: z.ZodError, prefix = ''): Problem[] {
  return error.issues.map((issue) => ({
    index,
    path: prefix + (issue.path.length ? issue.path.join('.') : ''),
    message: issue.message,
  }));
}

/** IP_MODE `drop` forgets the address; `truncate` is applied by the store (PostgreSQL's set_masklen). */
function keepIp(ip: string | undefined, mode: IpMode): string | null {
  return ip === undefined || mode === 'drop' ? null : ip;
}

function checkRequirements(index: number, e: BaseEvent): Problem[] {
  const spec = EVENT_CATALOGUE[e.type];
  const problems: Problem[] = [];
  for (const field of spec.requires) {
    if (e[field] === undefined) problems.push({ index, path: field, message: `required for ${e.type}` });
  }
  const meta = e.metadata ?? {};
  const parsed = spec.metadata.safeParse(meta);
  if (!parsed.success) problems.push(...zodProblems(index, parsed.error, 'metadata.'));
  if (e.metadata !== undefined && Buffer.byteLength(JSON.stringify(e.metadata)) > MAX_METADATA_BYTES) {
    problems.push({ index, path: 'metadata', message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` });
  }
  return problems;
}

function checkTime(index: number, occurredAt: string | undefined, nowMs: number): Problem[] {
  if (occurredAt === undefined) return [];
  const ms = Date.parse(occurredAt);
  if (ms > nowMs + MAX_FUTURE_MS)
    return [{ index, path: 'occurred_at', message: 'must not be more than 5 minutes in the future' }];
  if (ms < MIN_OCCURRED_AT) return [{ index, path: 'occurred_at', message: 'must not be before 2000-01-01T00:00:00Z' }];
  return [];
}

/**
 * Validates one raw event; returns the normalized event or its problems. What PostgreSQL or a recursive walk
 * would choke on (NUL, lone surrogates, deep nesting, non-finite numbers) is found first, without recursion.
 */
export function validateEvent(
  raw: unknown,
  index: number,
  opts: { ipMode: IpMode; nowMs: number },
): { event: NormalizedEvent } | { problems: Problem[] } {
  const hostile = hostileInput(raw);
  if (hostile.length) return { problems: hostile.map((p) => ({ index, ...p })) };
  const parsed = baseEvent.safeParse(raw);
  if (!parsed.success) return { problems: zodProblems(index, parsed.error) };
  const e = parsed.data;
  const problems = [...checkRequirements(index, e), ...checkTime(index, e.occurred_at, opts.nowMs)];
  if (problems.length) return { problems };
  // Stored at millisecond precision in UTC, so ordering is the same in JavaScript and in PostgreSQL.
  const occurredAtMs = e.occurred_at === undefined ? opts.nowMs : Date.parse(e.occurred_at);
  const meta = e.metadata;
  const lower = (v: string | undefined) => (v === undefined ? null : v.toLowerCase());
  return {
    event: {
      id: lower(e.id) ?? randomUUID(),
      type: e.type,
      category: EVENT_CATALOGUE[e.type].category,
      occurredAt: new Date(occurredAtMs).toISOString(),
      occurredAtMs,
      workshopId: lower(e.workshop_id),
      userId: lower(e.user_id),
      mechanicId: lower(e.mechanic_id),
      adminId: lower(e.admin_id),
      sessionId: e.session_id ?? null,
      success: e.success ?? true,
      errorMessage: e.error_message ?? null,
      durationMs: e.duration_ms ?? null,
      ipAddress: keepIp(e.ip_address, opts.ipMode),
      userAgent: e.user_agent ?? null,
      metadata: meta ?? null,
      inviteId: typeof meta?.invite_id === 'string' ? meta.invite_id : null,
      revenueCents:
        e.type === 'session_completed' && typeof meta?.revenue_cents === 'number' ? meta.revenue_cents : null,
    },
  };
}

/**
 * Validates a request body: one event object, or `{"events": [...]}` with 1..1000 events. All or nothing:
 * any problem rejects the whole batch.
 */
export function validateBody(
  body: unknown,
  opts: { ipMode: IpMode; nowMs: number },
): { events: NormalizedEvent[] } | { problems: Problem[] } {
  let raws: unknown[];
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'events' in body) {
    const list = (body as { events: unknown }).events;
    if (!Array.isArray(list)) return { problems: [{ index: -1, path: 'events', message: 'must be an array' }] };
    if (list.length === 0)
      return { problems: [{ index: -1, path: 'events', message: 'must hold at least one event' }] };
    if (list.length > MAX_BATCH_EVENTS) {
      return { problems: [{ index: -1, path: 'events', message: `must hold at most ${MAX_BATCH_EVENTS} events` }] };
    }
    if (Object.keys(body).length > 1)
      return { problems: [{ index: -1, path: '', message: 'a batch object has only the key "events"' }] };
    raws = list;
  } else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    raws = [body];
  } else {
    return { problems: [{ index: -1, path: '', message: 'body must be an event object or {"events": [...]}' }] };
  }
  const events: NormalizedEvent[] = [];
  const problems: Problem[] = [];
  raws.forEach((raw, i) => {
    const r = validateEvent(raw, i, opts);
    if ('event' in r) events.push(r.event);
    else problems.push(...r.problems);
  });
  return problems.length ? { problems } : { events };
}
