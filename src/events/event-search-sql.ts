/**
 * The SQL of event search and export: the returned columns (their API names and the stored column behind each,
 * in one place), and the WHERE clause of the filters plus the keyset position. Order: (occurred_at, id) ascending.
 */
import type { EventCategory, EventType } from '../catalogue/event-catalogue.js';
import type { EventPosition } from './event-cursor.js';

/**
 * When the event was stored (the plan's `created_at`, migration 1730000000014). The one place that names the column;
 * the API field follows the column's name.
 */
export const STORED_AT_COLUMN = 'created_at';

/** UTC to the microsecond, so a value read back (a cursor, a `from`) names exactly the stored instant. */
const utc = (column: string) => `to_char(e.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * API field → SQL over `workshop_events e`, in the order of the API's objects and the CSV's columns. `kind` is how
 * the value reaches JavaScript (pages) — text, a boolean, a number, or JSON text — which the exports (COPY, built in
 * PostgreSQL) render the same way.
 */
export const EVENT_FIELDS = [
  ['id', 'e.id', 'text'],
  ['type', 'e.event_type', 'text'],
  ['category', 'e.event_category', 'text'],
  ['occurred_at', utc('occurred_at'), 'text'],
  [STORED_AT_COLUMN, utc(STORED_AT_COLUMN), 'text'],
  ['workshop_id', 'e.workshop_id', 'text'],
  ['user_id', 'e.user_id', 'text'],
  ['mechanic_id', 'e.mechanic_id', 'text'],
  ['admin_id', 'e.admin_id', 'text'],
  ['session_id', 'e.session_id', 'text'],
  ['success', 'e.success', 'boolean'],
  ['error_message', 'e.error_message', 'text'],
  ['duration_ms', 'e.duration_ms', 'number'],
  // as IP_MODE kept it: an address, or its /24 (/48) network
  ['ip_address', 'e.ip_address::text', 'text'],
  ['user_agent', 'e.user_agent', 'text'],
  // the stored JSON text, written into the output as it is (no parse and re-serialise of its numbers)
  ['metadata', 'e.metadata::text', 'json'],
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

type ParamType = 'text' | 'text[]' | 'uuid' | 'boolean' | 'timestamptz';

/** The WHERE conditions of `filter`, each value written by `param`. */
function conditions(filter: EventFilter, param: (v: unknown, type: ParamType) => string): string[] {
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
  return where;
}

const fromWhere = (where: readonly string[], join = '') =>
  ` FROM workshop_events e${join}` + (where.length ? ` WHERE ${where.join(' AND ')}` : '');
const ORDER = ' ORDER BY e.occurred_at, e.id';

/** `SELECT … WHERE … ORDER BY occurred_at, id` for `filter`, with its parameters; `limit` appended when given. */
export function searchQuery(filter: EventFilter, limit?: number): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (v: unknown, type: string) => `$${values.push(v)}::${type}`;
  const where = conditions(filter, param);
  const columns = EVENT_FIELDS.map(([name, sql]) => `${sql} AS "${name}"`).join(', ');
  const text =
    `SELECT ${columns}${fromWhere(where)}${ORDER}` + (limit === undefined ? '' : ` LIMIT ${param(limit, 'int')}`);
  return { text, values };
}

/** pg's escapeLiteral (the store passes it: only stores and src/db import pg). */
export type EscapeLiteral = (text: string) => string;

/**
 * A filter value as an SQL literal, for COPY (which takes no bind parameters): its JavaScript type checked against
 * the SQL type, text through pg's `escapeLiteral` (a string holding NUL, which no literal can, is refused).
 */
export function sqlLiteral(v: unknown, type: ParamType, escapeLiteral: EscapeLiteral): string {
  const text = (s: unknown): string => {
    if (typeof s !== 'string' || s.includes('\u0000')) throw new TypeError(`not a ${type} filter value`);
    return escapeLiteral(s);
  };
  if (type === 'boolean') {
    if (typeof v !== 'boolean') throw new TypeError('not a boolean filter value');
    return v ? 'true' : 'false';
  }
  if (type === 'text[]') {
    if (!Array.isArray(v) || v.length === 0) throw new TypeError('not a text[] filter value');
    return `ARRAY[${v.map(text).join(', ')}]::text[]`;
  }
  return `${text(v)}::${type}`;
}

/** Characters that make a spreadsheet evaluate a text cell as a formula: src/http/csv.ts, FORMULA_START. */
const FORMULA_START_SQL = `('=', '+', '-', '@', E'\\t', E'\\r')`;

/**
 * A text value as src/http/csv.ts's csvCell writes it, before quoting: a formula-looking text prefixed with `'`,
 * the empty text as NULL (COPY would write it `""`, csvCell writes nothing; both are empty cells).
 */
const csvText = (sql: string) =>
  `CASE WHEN left(${sql}, 1) IN ${FORMULA_START_SQL} THEN '''' || ${sql} ELSE NULLIF(${sql}, '') END`;

export type ExportFormat = 'csv' | 'ndjson';

/**
 * The COPY statement of an export of `filter`, its values inlined as checked literals (sqlLiteral, pg's
 * `escapeLiteral`). Both formats are
 * PostgreSQL's bytes as they come:
 * - csv: the header and one record per event, each cell as src/http/csv.ts writes it (text neutralised as csvCell
 *   does; booleans `true`/`false`; numbers as they are; NULL empty; COPY quotes a cell holding a comma, quote, CR or
 *   LF and doubles quotes, as csvCell does).
 * - ndjson: row_to_json of the page's columns (metadata as its jsonb, written as jsonb's text), one per line. COPY
 *   csv with a quote and a delimiter that JSON text never holds raw (control characters are escaped as \uXXXX,
 *   newlines as \n) writes each row's text unquoted and unescaped, ending with \n.
 */
export function exportCopyQuery(filter: EventFilter, format: ExportFormat, escapeLiteral: EscapeLiteral): string {
  const where = conditions(filter, (v, type) => sqlLiteral(v, type, escapeLiteral));
  if (format === 'csv') {
    const cells = EVENT_FIELDS.map(([name, sql, kind]) => {
      const value = kind === 'boolean' ? `${sql}::text` : kind === 'number' ? sql : csvText(`${sql}::text`);
      return `${value} AS "${name}"`;
    }).join(', ');
    return `COPY (SELECT ${cells}${fromWhere(where)}${ORDER}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
  }
  // the JSON field is the jsonb itself, so row_to_json writes jsonb's text as it is (not as a JSON string)
  const columns = EVENT_FIELDS.map(([name, sql, kind]) => `${kind === 'json' ? 'e.metadata' : sql} AS "${name}"`);
  const row = ` CROSS JOIN LATERAL (SELECT ${columns.join(', ')}) r`;
  return (
    `COPY (SELECT row_to_json(r)::text${fromWhere(where, row)}${ORDER})` +
    ` TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`
  );
}
