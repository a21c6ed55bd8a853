/**
 * GET /api/events (admin token): the stored events, filtered — a page in (occurred_at, id) order with an opaque
 * cursor, or with format=csv|ndjson every matching event streamed (constant memory, backpressure, stopped when the
 * client goes away). Parameters: README, "Event search and export".
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { EVENT_CATEGORIES, EVENT_TYPES } from '../catalogue/event-catalogue.js';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import { parseRequest, UUID_PATTERN } from '../http/request-validation.js';
import { decodeCursor, encodeCursor } from './event-cursor.js';
import type { EventFilter, EventRow } from './event-search-sql.js';
import type { EventSearchStore } from './event-search-store.js';

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;
/** Exports running at once (each holds a pool connection for its duration); one more is answered 503. */
export const MAX_CONCURRENT_EXPORTS = 2;

/** How long an export waits for a client that takes nothing before it gives up (the slot and connection freed). */
export const EXPORT_STALL_MS = 60_000;

export interface EventSearchRoutesDeps {
  store: Pick<EventSearchStore, 'page' | 'export'>;
  adminTokens: readonly string[];
  /** EXPORT_STALL_MS unless given (tests shorten it). */
  stallMs?: number;
}

const rfc3339 = z.iso
  .datetime({ offset: true, message: 'must be an RFC 3339 timestamp with a time zone' })
  // what PostgreSQL's timestamptz takes: year 1 on, UTC offsets within ±15:59 (else a 500, not the client's 400)
  .refine((v) => !v.startsWith('0000') && /(Z|[+-](0\d|1[0-5]):[0-5]\d)$/.test(v), {
    message: 'must be an RFC 3339 timestamp from year 0001, its offset within ±15:59',
  });
const eventType = z.enum(EVENT_TYPES, { message: 'must be an event type of the catalogue (docs/events.md)' });

export const searchParams = z
  .strictObject({
    type: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .pipe(z.array(eventType))
      .optional(),
    category: z.enum(EVENT_CATEGORIES, { message: `must be one of ${EVENT_CATEGORIES.join(', ')}` }).optional(),
    workshop_id: z.string().regex(UUID_PATTERN, 'must be a UUID').optional(),
    session_id: z
      .string()
      .min(1, 'must not be empty')
      .max(1000, 'must be at most 1000 characters')
      .refine((v) => !v.includes('\u0000'), 'must not hold NUL (U+0000)')
      .optional(),
    success: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .transform((v) => v === 'true')
      .optional(),
    from: rfc3339.optional(),
    to: rfc3339.optional(),
    limit: z
      .string()
      .regex(/^[0-9]{1,7}$/, `must be an integer from 1 to ${MAX_PAGE_LIMIT}`)
      .transform(Number)
      .pipe(z.number().min(1).max(MAX_PAGE_LIMIT, `must be an integer from 1 to ${MAX_PAGE_LIMIT}`))
      .optional(),
    cursor: z.string().optional(),
    format: z.enum(['json', 'csv', 'ndjson'], { message: 'must be json, csv or ndjson' }).default('json'),
  })
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) > Date.parse(q.to))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    if (q.limit !== undefined && q.format !== 'json')
      ctx.addIssue({ code: 'custom', path: ['limit'], message: 'csv and ndjson stream every matching event' });
  });

/** The filter a validated query names (the cursor decoded, or a 400 naming it). */
function filterOf(q: z.infer<typeof searchParams>): EventFilter {
  return {
    ...(q.type ? { types: q.type } : {}),
    ...(q.category ? { category: q.category } : {}),
    ...(q.workshop_id ? { workshopId: q.workshop_id.toLowerCase() } : {}),
    ...(q.session_id !== undefined ? { sessionId: q.session_id } : {}),
    ...(q.success !== undefined ? { success: q.success } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.cursor !== undefined ? { after: decodeCursor(q.cursor) } : {}),
  };
}

/** One event as a JSON object, its stored metadata JSON written in as it is. */
export function eventJson(row: EventRow): string {
  const { metadata, ...rest } = row;
  return `${JSON.stringify(rest).slice(0, -1)},"metadata":${metadata ?? 'null'}}`;
}

const FORMATS = {
  csv: { type: 'text/csv; charset=utf-8', file: 'events.csv' },
  ndjson: { type: 'application/x-ndjson; charset=utf-8', file: 'events.ndjson' },
} as const;

/**
 * Cuts off (destroys) `res` once it has waited `stallMs` for the client to take what was written (needing a drain
 * all along, no drain meanwhile), so a stalled reader cannot hold an export slot for ever. Checked every tenth of
 * `stallMs`; returns the function that stops the check.
 */
function cutOffWhenStalled(res: ServerResponse, stallMs: number): () => void {
  let waitingSince: number | undefined;
  const drained = () => (waitingSince = undefined);
  res.on('drain', drained);
  const timer = setInterval(
    () => {
      if (!res.writableNeedDrain) waitingSince = undefined;
      else if (waitingSince === undefined) waitingSince = Date.now();
      else if (Date.now() - waitingSince >= stallMs) res.destroy();
    },
    Math.max(10, Math.floor(stallMs / 10)),
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    res.off('drain', drained);
  };
}

/**
 * Pipes the store's bytes to the response (stream.pipeline: backpressure both ways, and either side ending early
 * destroys the other — the store then drops its connection, ending the query). A failure of the database after
 * the headers cannot become an error answer: the client sees the body cut short, and the error is thrown on.
 */
async function streamExport(res: Response, body: Readable, format: keyof typeof FORMATS, stallMs: number) {
  const f = FORMATS[format];
  let bodyError: unknown;
  body.once('error', (err) => (bodyError = err));
  res.status(200).set({
    'Content-Type': f.type,
    'Content-Disposition': `attachment; filename="${f.file}"`,
    'Cache-Control': 'no-store',
  });
  const stop = cutOffWhenStalled(res, stallMs);
  try {
    await pipeline(body, res);
  } catch {
    // the client went away or was cut off (nothing to answer), or the database failed (thrown on)
    if (bodyError !== undefined) throw bodyError;
  } finally {
    stop();
  }
}

export function eventSearchRoutes(deps: EventSearchRoutesDeps): Router {
  const router = Router();
  const auth = requireToken(deps.adminTokens, 'admin');
  let exports = 0;

  router.get('/api/events', auth, async (req: Request, res) => {
    const q = parseRequest(searchParams, req.query);
    const filter = filterOf(q);
    if (q.format === 'json') {
      const { rows, more } = await deps.store.page(filter, q.limit ?? DEFAULT_PAGE_LIMIT);
      const last = rows.at(-1);
      const cursor = more && last ? encodeCursor({ occurredAt: String(last.occurred_at), id: String(last.id) }) : null;
      res
        .type('application/json')
        .send(`{"events":[${rows.map(eventJson).join(',')}],"next_cursor":${JSON.stringify(cursor)}}`);
      return;
    }
    if (exports >= MAX_CONCURRENT_EXPORTS)
      throw new AppError(
        'overloaded',
        503,
        `at most ${MAX_CONCURRENT_EXPORTS} exports run at once; retry later`,
        undefined,
        5,
      );
    exports++;
    try {
      // the first bytes before the headers: a database that cannot be reached is still a 503
      const body = await deps.store.export(filter, q.format);
      await streamExport(res, body, q.format, deps.stallMs ?? EXPORT_STALL_MS);
    } finally {
      exports--;
    }
  });

  return router;
}
