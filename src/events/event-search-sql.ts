/**
 * The SQL of event search and export: the returned columns (their API names and the stored column behind each,
 * in one place), and the WHERE clause of the filters plus the keyset position. Order: (occurred_at, id) ascending.
 */
import type { EventCategory, EventType } from '../catalogue/event-catalogue.js';
import type { EventPosition } from './event-cursor.js';

/**
 * When the event was stored. The one place that names the column: a rename (received_at → created_at) is a change
 * of this line, and the API field follows the column's name.
 */
export const STORED_AT_COLUMN = 'received_at';

/** UTC to the microsecond, so a value read back (a cursor, a `from`) names exactly the stored instant. */
const utc = (column: string) => `to_char(e.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** API field → SQL over `workshop_events e`, in the order of the API's objects and the CSV's columns. */
export const EVENT_FIELDS = [
  ['id', 'e.id'],
  ['type', 'e.event_type'],
  ['category', 'e.event_category'],
  ['occurred_at', utc('occurred_at')],
  [STORED_AT_COLUMN, utc(STORED_AT_COLUMN)],
  ['workshop_id', 'e.workshop_id'],
  ['user_id', 'e.user_id'],
  ['mechanic_id', 'e.mechanic_id'],
  ['admin_id', 'e.admin_id'],
  ['session_id', 'e.session_id'],
  ['success', 'e.success'],
  ['error_message', 'e.error_message'],
  ['duration_ms', 'e.duration_ms'],
  // as IP_MODE kept it: an address, or its /24 (/48) network
  ['ip_address', 'e.ip_address::text'],
  ['user_agent', 'e.user_agent'],
  // the stored JSON text, written into the output as it is (no parse and re-serialise of its numbers)
  ['metadata', 'e.metadata::text'],
] as const;

export type EventField = (typeof EVENT_FIELDS)[number][0];
export const EVENT_FIELD_NAMES: readonly EventField[] = EVENT_FIELDS.map(([name]) => name);

/** One event as read: the columns by API name (timestamps as UTC text, metadata as JSON text). */
export type EventRow = Record<EventField, string | number | boolean | null>;

export interface EventFilter {
  /** any of these types */
  readonly types?: readonly EventType[];
  readonly category?: EventCategory;
  readonly workshopId?: string;
  readonly sessionId?: string;
  readonly success?: boolean;
  /** occurred_at ≥ from (RFC 3339) */
  readonly from?: string;
  /** occurred_at < to (RFC 3339) */
  readonly to?: string;
  /** only events after this position (the cursor) */
  readonly after?: EventPosition;
}

/** `SELECT … WHERE … ORDER BY occurred_at, id` for `filter`, with its parameters; `limit` appended when given. */
export function searchQuery(filter: EventFilter, limit?: number): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (v: unknown, type: string) => `$${values.push(v)}::${type}`;
  const where: string[] = [];
  const { types } = filter;
  // one type as `=`, so the (event_type, occurred_at) index returns rows in order and a LIMIT stops early
  if (types?.length === 1) where.push(`e.event_type = ${param(types[0], 'text')}`);
  else if (types && types.length > 1) where.push(`e.event_type = ANY(${param([...new Set(types)], 'text[]')})`);
  if (filter.category !== undefined) where.push(`e.event_category = ${param(filter.category, 'text')}`);
  if (filter.workshopId !== undefined) where.push(`e.workshop_id = ${param(filter.workshopId, 'uuid')}`);
  if (filter.sessionId !== undefined) where.push(`e.session_id = ${param(filter.sessionId, 'text')}`);
  if (filter.success !== undefined) where.push(`e.success = ${param(filter.success, 'boolean')}`);
  if (filter.from !== undefined) where.push(`e.occurred_at >= ${param(filter.from, 'timestamptz')}`);
  if (filter.to !== undefined) where.push(`e.occurred_at < ${param(filter.to, 'timestamptz')}`);
  if (filter.after) {
    const at = param(filter.after.occurredAt, 'timestamptz');
    const id = param(filter.after.id, 'uuid');
    // the plain bound lets the planner prune partitions and start the index scan there; the row comparison is exact
    where.push(`e.occurred_at >= ${at}`, `(e.occurred_at, e.id) > (${at}, ${id})`);
  }
  const columns = EVENT_FIELDS.map(([name, sql]) => `${sql} AS "${name}"`).join(', ');
  const text =
    `SELECT ${columns} FROM workshop_events e` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ' ORDER BY e.occurred_at, e.id' +
    (limit === undefined ? '' : ` LIMIT ${param(limit, 'int')}`);
  return { text, values };
}
