/**
 * POST /v1/events: authenticate, check media type, parse (<= 1 MiB), validate all-or-nothing, group-commit,
 * answer 202 after the commit. The service's hottest path, so it is served straight from Node's HTTP server
 * (service.ts dispatches it before Express): Express's router and middleware cost ~15% of the CPU of a
 * single-event request. It shares the Express routes' plumbing (src/http: X-Request-Id, timing, JSON errors,
 * the body reader), so it answers exactly as they do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IpMode } from '../config.js';
import { AppError } from '../errors.js';
import { tokenCheck } from '../http/auth.js';
import type { HttpMetrics } from '../http/http-metrics.js';
import { checkJsonContentType, readJsonBodySized } from '../http/json-body.js';
import { answerError, beginRequest } from '../http/request-context.js';
import type { Logger } from '../logger.js';
import { validateBody, type Problem } from './event-schema.js';
import type { EventWriter, SubmitResult } from './event-service.js';
import type { IngestMetrics, RejectReason } from './ingest-metrics.js';

export const MAX_BODY_BYTES = 1024 * 1024;
export const EVENTS_PATH = '/v1/events';

export interface EventRoutesDeps {
  writer: EventWriter;
  metrics: IngestMetrics;
  http: HttpMetrics;
  log: Logger;
  ingestTokens: readonly string[];
  ipMode: IpMode;
  /** Bodies read at once (INGEST_MAX_CONCURRENT_BODIES); a request beyond it is answered 503 without reading. */
  maxConcurrentBodies: number;
}

export const overloaded = () =>
  new AppError('overloaded', 503, 'too many requests being read; nothing was stored, retry', undefined, 1);

/** The 400 for a request with invalid events: every problem, nothing stored. */
export const validationFailed = (problems: readonly Problem[]) =>
  new AppError('validation_failed', 400, `${problems.length} problem(s) in the request; nothing was stored`, problems);

/** Body refusals by status (an aborted upload and a body that is not UTF-8 answer 400, counted as invalid JSON). */
const REASONS: Record<number, RejectReason> = { 400: 'invalid_json', 413: 'too_large', 415: 'unsupported_media_type' };

/** Returns a request listener that serves POST /v1/events and returns false for every other request. */
export function eventsEndpoint(deps: EventRoutesDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const auth = tokenCheck(deps.ingestTokens, 'ingest');
  let reading = 0;

  async function ingest(req: IncomingMessage): Promise<SubmitResult> {
    const refused = auth(req.headers.authorization);
    if (refused) {
      deps.metrics.rejected('auth', 1);
      throw refused;
    }
    let body: unknown;
    let bytes: number;
    try {
      const badType = checkJsonContentType(req);
      if (badType) throw badType;
      if (reading >= deps.maxConcurrentBodies) {
        deps.metrics.rejected('overloaded', 1);
        throw overloaded();
      }
      reading++;
      try {
        ({ value: body, bytes } = await readJsonBodySized(req, MAX_BODY_BYTES));
      } finally {
        reading--;
      }
    } catch (err) {
      const reason = err instanceof AppError ? REASONS[err.status] : undefined;
      if (reason) deps.metrics.rejected(reason, 1);
      throw err;
    }
    const result = validateBody(body, { ipMode: deps.ipMode, nowMs: Date.now() });
    if ('problems' in result) {
      const list = (body as { events?: unknown } | null)?.events;
      deps.metrics.rejected('validation', Array.isArray(list) ? list.length : 1);
      throw validationFailed(result.problems);
    }
    deps.metrics.batchSize(result.events.length);
    try {
      // `gone`: the client closed its connection while waiting; its events are dropped before their flush.
      return await deps.writer.submit(result.events, { bytes, gone: () => req.socket.destroyed });
    } catch (err) {
      if (err instanceof AppError && err.status === 503)
        deps.metrics.rejected(err.code === 'overloaded' ? 'overloaded' : 'unavailable', result.events.length);
      throw err;
    }
  }

  return (req, res) => {
    if (req.method !== 'POST' || (req.url !== EVENTS_PATH && !req.url?.startsWith(`${EVENTS_PATH}?`))) return false;
    deps.http.nameRoute(EVENTS_PATH);
    const requestId = beginRequest(req, res, deps.http, () => EVENTS_PATH);
    ingest(req).then(
      (out) => {
        const payload = `{"accepted":${out.accepted},"duplicates":${out.duplicates}}`;
        res.writeHead(202, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(payload),
        });
        res.end(payload);
      },
      (err: unknown) => answerError(res, err, deps.log, { requestId, path: EVENTS_PATH }),
    );
    return true;
  };
}
