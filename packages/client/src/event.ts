/**
 * Turns what an app passed to `track()` into the JSON of one event: fills in `id` and `occurred_at`, checks
 * the shape the server checks (so one bad event does not get a whole batch rejected), and snapshots it so
 * later changes by the caller do not leak into retries. Type-specific rules (required fields, metadata) are
 * left to the server.
 */
import { BATCH_ENVELOPE_BYTES } from './batch.js';
import { isIpAddress } from './ip-address.js';
import { randomUuid, utf8ByteLength } from './runtime.js';

/** An event ready to send: its JSON text and that text's size in bytes. */
export interface EncodedEvent {
  readonly id: string;
  readonly json: string;
  readonly bytes: number;
}

export type EncodeResult =
  { ok: true; event: EncodedEvent } | { ok: false; reason: 'invalid' | 'too_large'; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type Check = (value: unknown) => string | undefined;

const isString =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max
      ? undefined
      : `must be a string of ${min} to ${max} characters`;
const isUuid: Check = (v) => (typeof v === 'string' && UUID.test(v) ? undefined : 'must be a UUID');

const CHECKS: Record<string, Check> = {
  id: isUuid,
  type: isString(1, 200),
  occurred_at: (v) =>
    typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v))
      ? undefined
      : 'must be an RFC 3339 timestamp with a time zone',
  workshop_id: isUuid,
  user_id: isUuid,
  mechanic_id: isUuid,
  admin_id: isUuid,
  session_id: isString(1, 128),
  success: (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean'),
  error_message: isString(1, 2000),
  duration_ms: (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 2_147_483_647 ? undefined : 'must be an integer >= 0',
  ip_address: (v) => (typeof v === 'string' && isIpAddress(v) ? undefined : 'must be an IPv4 or IPv6 address'),
  user_agent: isString(0, 512),
  metadata: (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? undefined : 'must be an object'),
};

function invalid(message: string): EncodeResult {
  return { ok: false, reason: 'invalid', message };
}

/**
 * Normalizes and encodes one event; `maxBodyBytes` is the request limit it must fit in on its own. Never
 * throws, even for hostile input (throwing getters, proxies).
 */
export function encodeEvent(input: unknown, maxBodyBytes: number, nowMs: number = Date.now()): EncodeResult {
  try {
    return encode(input, maxBodyBytes, nowMs);
  } catch (err) {
    return invalid(`unreadable event: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function encode(input: unknown, maxBodyBytes: number, nowMs: number): EncodeResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return invalid(
      `an event must be an object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`,
    );
  }
  const event: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined || raw === null) continue;
    const value = key === 'occurred_at' && raw instanceof Date ? dateToIso(raw) : raw;
    const check = CHECKS[key];
    if (!check) return invalid(`unknown field ${JSON.stringify(key)}`);
    const problem = check(value);
    if (problem) return invalid(`${key} ${problem}`);
    event[key] = value;
  }
  if (event.type === undefined) return invalid('type is required');
  event.id ??= randomUuid();
  event.occurred_at ??= new Date(nowMs).toISOString();
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (err) {
    return invalid(`not serializable as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const bytes = utf8ByteLength(json);
  if (bytes + BATCH_ENVELOPE_BYTES > maxBodyBytes) {
    return {
      ok: false,
      reason: 'too_large',
      message: `event is ${bytes} bytes; a request body holds at most ${maxBodyBytes}`,
    };
  }
  return { ok: true, event: { id: event.id as string, json, bytes } };
}

function dateToIso(date: Date): unknown {
  return Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString();
}
