/** GET /api/events (event-search-routes.ts) in the OpenAPI document: a page, or a CSV / NDJSON export. */
import { z } from 'zod';
import { AppError } from '../errors.js';
import {
  databaseUnavailable,
  errorExample,
  errors,
  internalError,
  invalidRequestExample,
  unauthorized,
  type FeatureDoc,
} from '../http/api-doc.js';
import { DEFAULT_PAGE_LIMIT, MAX_CONCURRENT_EXPORTS, MAX_PAGE_LIMIT, searchParams } from './event-search-routes.js';
import { EVENT_FIELDS, STORED_AT_COLUMN } from './event-search-sql.js';

/** Fields every stored event has (the others may be null). */
const NOT_NULL = new Set<string>(['id', 'type', 'category', 'occurred_at', STORED_AT_COLUMN, 'success']);
const KINDS = {
  text: z.string(),
  boolean: z.boolean(),
  number: z.number(),
  json: z.record(z.string(), z.unknown()),
} as const;

/** One stored event, its fields in the order of EVENT_FIELDS (also the CSV's columns). */
export const storedEventSchema = z.strictObject(
  Object.fromEntries(
    EVENT_FIELDS.map(([name, , kind]) => [name, NOT_NULL.has(name) ? KINDS[kind] : KINDS[kind].nullable()]),
  ),
);

const page = z.strictObject({
  events: z.array(storedEventSchema),
  next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null: the last page.' }),
});

export const eventSearchDoc: FeatureDoc = {
  schemas: { StoredEvent: storedEventSchema },
  routes: [
    {
      method: 'get',
      path: '/api/events',
      operationId: 'searchEvents',
      tag: 'events',
      summary: 'Search or export stored events',
      description:
        'Filters on `occurred_at` (`from` inclusive, `to` exclusive) and the other parameters; a page in ' +
        '(occurred_at, id) order with an opaque cursor, or with `format=csv|ndjson` every matching event streamed ' +
        `from one snapshot (at most ${MAX_CONCURRENT_EXPORTS} exports at once). README: "Event search and export".`,
      auth: 'admin',
      query: searchParams,
      queryDescriptions: {
        type: 'Event types of the catalogue; repeat the parameter for any of several (`type=a&type=b`).',
        category: 'The event category.',
        workshop_id: 'Exactly this workshop.',
        session_id: 'Exactly this session.',
        success: 'Only successes (`true`) or failures (`false`).',
        from: 'On `occurred_at`, inclusive; RFC 3339 with a zone.',
        to: 'On `occurred_at`, exclusive; RFC 3339 with a zone; not before `from`.',
        limit: `Events per page, 1-${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}); pages only.`,
        cursor: '`next_cursor` of the previous page, as it is (use the same filters).',
        format: '`json`: a page; `csv` or `ndjson`: every matching event, streamed.',
      },
      queryExamples: {
        workshop: {
          summary: "a workshop's completed sessions in March",
          value: {
            type: ['session_completed'],
            workshop_id: '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03',
            from: '2026-03-01T00:00:00Z',
            to: '2026-04-01T00:00:00Z',
            limit: '50',
          },
        },
        types: {
          summary: 'two types (repeat the parameter)',
          value: { type: ['workshop_approved', 'workshop_rejected'] },
        },
        export: { summary: 'every failure as NDJSON', value: { success: 'false', format: 'ndjson' } },
      },
      responses: {
        200: {
          description: 'A page (JSON), or every matching event (CSV with a header row, or NDJSON: one event a line).',
          content: {
            'application/json': { schema: page },
            'text/csv; charset=utf-8': { example: `${EVENT_FIELDS.map(([n]) => n).join(',')}\n` },
            'application/x-ndjson; charset=utf-8': { example: '{"id":"…","type":"session_completed",…}\n' },
          },
        },
      },
      errors: errors(
        {
          400: {
            description: 'A bad or unknown parameter, or a cursor this API did not issue; `details` name each.',
            examples: {
              invalid_request: invalidRequestExample('a limit over 1000', searchParams, { limit: '5000' }),
              invalid_type: invalidRequestExample('the second type is unknown', searchParams, {
                type: ['session_completed', 'session_teleported'],
              }),
            },
          },
        },
        unauthorized('admin'),
        databaseUnavailable,
        {
          503: {
            description: `Or ${MAX_CONCURRENT_EXPORTS} exports are running already.`,
            retryAfter: true,
            examples: {
              overloaded: errorExample(
                'too many exports',
                new AppError('overloaded', 503, `at most ${MAX_CONCURRENT_EXPORTS} exports run at once; retry later`),
              ),
            },
          },
        },
        internalError,
      ),
    },
  ],
};
