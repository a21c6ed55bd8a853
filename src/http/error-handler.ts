/**
 * The one error handler: every error becomes `{"error": {"code", "message", "details"}}`; 5xx are logged
 * with the request id. body-parser's errors map to 413 / 400 / 415.
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

function fromBodyParser(err: { type?: string; limit?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 413, `request body exceeds ${err.limit ?? 1048576} bytes`);
    case 'entity.parse.failed':
      return new AppError('invalid_json', 400, 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 415, 'unsupported body encoding or charset');
    case 'request.aborted':
      return new AppError('request_aborted', 400, 'request aborted by the client');
    default:
      return undefined;
  }
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return fromBodyParser((err ?? {}) as { type?: string }) ?? new AppError('internal', 500, 'internal server error');
}

/** Answers `{"error": {"code", "message", "details"}}` with the error's status (and Retry-After). */
export function sendError(res: ServerResponse, e: AppError): void {
  if (res.headersSent) return;
  const body = JSON.stringify({
    error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) },
  });
  if (e.retryAfter !== undefined) res.setHeader('Retry-After', String(e.retryAfter));
  res.writeHead(e.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toAppError(err);
    if (e.status >= 500) log.error({ err, requestId: res.locals.requestId, path: req.path }, 'request failed');
    sendError(res, e);
  };
}
