/** POST /v1/events: authenticate, check media type, parse (<= 1 MiB), validate all-or-nothing, group-commit. */
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import { toAppError } from '../http/error-handler.js';
import type { IpMode } from '../config.js';
import { validateBody } from './event-schema.js';
import type { EventWriter } from './event-service.js';
import type { IngestMetrics, RejectReason } from './ingest-metrics.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface EventRoutesDeps {
  writer: EventWriter;
  metrics: IngestMetrics;
  ingestTokens: readonly string[];
  ipMode: IpMode;
}

const REASONS: Record<number, RejectReason> = { 400: 'invalid_json', 413: 'too_large', 415: 'unsupported_media_type' };

export function eventRoutes(deps: EventRoutesDeps): Router {
  const router = Router();
  router.post(
    '/v1/events',
    requireToken(deps.ingestTokens, 'ingest', () => deps.metrics.rejected('auth', 1)),
    (req: Request, _res: Response, next: NextFunction) => {
      if (!req.is(['application/json', '+json'])) {
        deps.metrics.rejected('unsupported_media_type', 1);
        next(new AppError('unsupported_media_type', 415, 'Content-Type must be application/json'));
        return;
      }
      next();
    },
    express.json({ limit: MAX_BODY_BYTES, type: () => true }),
    async (req: Request, res: Response) => {
      const result = validateBody(req.body, { ipMode: deps.ipMode, nowMs: Date.now() });
      if ('problems' in result) {
        const n = Array.isArray((req.body as { events?: unknown })?.events) ? (req.body as { events: unknown[] }).events.length : 1;
        deps.metrics.rejected('validation', n);
        throw new AppError('validation_failed', 400, `${result.problems.length} problem(s) in the request; nothing was stored`, result.problems);
      }
      deps.metrics.batchSize(result.events.length);
      try {
        const out = await deps.writer.submit(result.events);
        res.status(202).json(out);
      } catch (err) {
        if (err instanceof AppError && err.status === 503) deps.metrics.rejected(err.code === 'overloaded' ? 'overloaded' : 'unavailable', result.events.length);
        throw err;
      }
    },
  );
  // Count body-parser refusals, then let the shared error handler answer.
  router.use('/v1/events', (err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    const reason = REASONS[toAppError(err).status];
    if (reason && !(err instanceof AppError)) deps.metrics.rejected(reason, 1);
    next(err);
  });
  return router;
}
