/** Bearer-token authentication; tokens are compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export type TokenScope = 'ingest' | 'admin' | 'alert webhook';

/** Middleware accepting any of `tokens` as `Authorization: Bearer <token>`. */
export function requireToken(tokens: readonly string[], scope: TokenScope, onReject?: () => void) {
  const digests = tokens.map(digest);
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = match ? digest(match[1]!) : undefined;
    // Compare against every token so timing does not reveal which one matched.
    let ok = false;
    for (const d of digests) if (given && timingSafeEqual(given, d)) ok = true;
    if (!ok) {
      onReject?.();
      next(new AppError('unauthorized', 401, match ? `invalid ${scope} token` : `missing bearer token (Authorization: Bearer <${scope} token>)`));
      return;
    }
    next();
  };
}
