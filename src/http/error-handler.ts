/** The one error handler: every error becomes `{"error": {"code", "message", "details"}}`. */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { answerError } from './request-context.js';

/**
 * Maps an error the HTTP layer cannot know to the AppError to answer (e.g. the database's "unavailable" to 503);
 * undefined: not one it knows. The composition root supplies it, so http/ imports no database module.
 */
export type ErrorClassifier = (err: unknown) => AppError | undefined;

/** An AppError as it is, or as `classify` maps it; anything else is a defect, answered as 500 internal. */
export function toAppError(err: unknown, classify?: ErrorClassifier): AppError {
  if (err instanceof AppError) return err;
  return classify?.(err) ?? new AppError('internal', 500, 'internal server error');
}

/** The body every error is answered with: `{"error": {"code", "message", "details"}}` (no details: no key). */
export function errorBody(e: AppError): { error: { code: string; message: string; details?: unknown } } {
  return { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}

/** Answers `{"error": {"code", "message", "details"}}` with the error's status (and Retry-After). */
export function sendError(res: ServerResponse, e: AppError): void {
  if (res.headersSent) return;
  const body = JSON.stringify(errorBody(e));
  if (e.retryAfter !== undefined) res.setHeader('Retry-After', String(e.retryAfter));
  res.writeHead(e.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Express's error middleware, answering through answerError. */
export function errorHandler(log: Logger, classify?: ErrorClassifier) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) =>
    answerError(res, err, log, { requestId: String(res.locals.requestId), path: req.path }, classify);
}
