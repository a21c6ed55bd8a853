/**
 * The opaque paging cursor of GET /api/events: base64url of `v1|<occurred_at>|<id>`, the (occurred_at, id) of the
 * last event of a page, with occurred_at to the microsecond as PostgreSQL stores it. A cursor that does not decode
 * to exactly that shape (any tampering that breaks it) is a 400 naming `cursor`.
 */
import { AppError } from '../errors.js';

/** A position in the (occurred_at, id) order. */
export interface EventPosition {
  /** UTC, microseconds: 2026-03-02T05:00:00.123456Z (the form the API returns) */
  readonly occurredAt: string;
  readonly id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;
const MIN_TIME = Date.parse('0001-01-01T00:00:00Z');

export function encodeCursor(p: EventPosition): string {
  return Buffer.from(`v1|${p.occurredAt}|${p.id}`, 'utf8').toString('base64url');
}

const invalid = () =>
  new AppError('invalid_request', 400, 'cursor: not a cursor this API returned', [
    { path: 'cursor', message: 'not a cursor this API returned (use next_cursor as it is)' },
  ]);

/** The position a cursor names, or a 400 naming `cursor`. */
export function decodeCursor(cursor: string): EventPosition {
  if (!BASE64URL.test(cursor)) throw invalid();
  const [version, occurredAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (version !== 'v1' || !occurredAt || !id || rest.length > 0) throw invalid();
  const time = Date.parse(occurredAt);
  // year 0 parses in JavaScript but is out of PostgreSQL's range
  if (!TIMESTAMP.test(occurredAt) || !(time >= MIN_TIME) || !UUID.test(id)) throw invalid();
  const position = { occurredAt, id };
  // one spelling per position: a cursor with altered padding bits or characters is not one we issued
  if (encodeCursor(position) !== cursor) throw invalid();
  return position;
}
