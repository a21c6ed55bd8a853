/**
 * What every request gets, whether Express serves it or a handler served before Express (POST /v1/events):
 * an X-Request-Id, its timing recorded under its route template, and JSON errors with 5xx logged.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { sendError, toAppError, type ErrorClassifier } from './error-handler.js';
import type { HttpMetrics } from './http-metrics.js';

/**
 * Sets X-Request-Id and records the request in `metrics` when the answer is sent, under `route()` (read at
 * that time: a route template or `unmatched`, never the raw path). Returns the request id.
 */
export function beginRequest(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: HttpMetrics,
  route: () => string,
): string {
  const started = performance.now();
  const requestId = randomUUID();
  res.setHeader('X-Request-Id', requestId);
  res.on('finish', () =>
    metrics.request(req.method ?? 'other', route(), res.statusCode, (performance.now() - started) / 1000),
  );
  return requestId;
}

/** Answers `err` as `{"error": {"code", "message", "details"}}`; a 5xx is logged with the request id and path. */
export function answerError(
  res: ServerResponse,
  err: unknown,
  log: Logger,
  request: { requestId: string; path: string },
  classify?: ErrorClassifier,
): void {
  const e = toAppError(err, classify);
  if (e.status >= 500) log.error({ err, ...request }, 'request failed');
  sendError(res, e);
}
