/** POST /v1/events: authenticate, check media type, parse (<= 1 MiB), validate all-or-nothing, group-commit. */
import { type Request, type Response, Router } from 'express';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import type { IpMode } from '../config.js';
import { validateBody } from './event-schema.js';
import type { EventWriter } from './event-service.js';
import type { IngestMetrics, RejectReason } from './ingest-metrics.js';
import { checkJsonContentType, readJsonBody } from './json-body.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface EventRoutesDeps {
  writer: EventWriter;
  metrics: IngestMetrics;
  ingestTokens: readonly string[];
  ipMode: IpMode;
}

/** Body refusals by status (an aborted upload answers 400 and is counted with invalid JSON, as before). */
const REASONS: Record<number, RejectReason> = { 400: 'invalid_json', 413: 'too_large', 415: 'unsupported_media_type' };

export function eventRoutes(deps: EventRoutesDeps): Router {
  const router = Router();
  router.post(
    '/v1/events',
    requireToken(deps.ingestTokens, 'ingest', () => deps.metrics.rejected('auth', 1)),
    async (req: Request, res: Response) => {
      let body: unknown;
      try {
        const badType = checkJsonContentType(req);
        if (badType) throw badType;
        body = await readJsonBody(req, MAX_BODY_BYTES);
      } catch (err) {
        const reason = err instanceof AppError ? REASONS[err.status] : undefined;
        if (reason) deps.metrics.rejected(reason, 1);
        throw err;
      }
      const result = validateBody(body, { ipMode: deps.ipMode, nowMs: Date.now() });
      if ('problems' in result) {
        const list = (body as { events?: unknown } | null)?.events;
        deps.metrics.rejected('validation', Array.isArray(list) ? list.length : 1);
        throw new AppError('validation_failed', 400, `${result.problems.length} problem(s) in the request; nothing was stored`, result.problems);
      }
      deps.metrics.batchSize(result.events.length);
      let out;
      try {
        out = await deps.writer.submit(result.events);
      } catch (err) {
        if (err instanceof AppError && err.status === 503) deps.metrics.rejected(err.code === 'overloaded' ? 'overloaded' : 'unavailable', result.events.length);
        throw err;
      }
      // Written directly: res.json() would also hash the body for an ETag nobody uses on a POST.
      const payload = `{"accepted":${out.accepted},"duplicates":${out.duplicates}}`;
      res.writeHead(202, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
      res.end(payload);
    },
  );
  return router;
}
