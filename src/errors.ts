/** The one error type the HTTP layer turns into `{"error": {"code", "message", "details"}}`. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
    /** Seconds, sent as Retry-After (503 and 429). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const unavailable = (message: string, retryAfter = 1) =>
  new AppError('database_unavailable', 503, message, undefined, retryAfter);
