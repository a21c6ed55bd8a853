/** Bearer-token authentication; tokens are compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export type TokenScope = 'ingest' | 'admin' | 'alert webhook' | 'metrics';

/** Checks an Authorization header against `tokens`: undefined when accepted, else the 401 to answer. */
export function tokenCheck(
  tokens: readonly string[],
  scope: TokenScope,
): (authorization: string | undefined) => AppError | undefined {
  const digests = tokens.map(digest);
  return (header) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const given = match ? digest(match[1]!) : undefined;
    // Compare against every token so timing does not reveal which one matched.
    let ok = false;
    for (const d of digests) if (given && timingSafeEqual(given, d)) ok = true;
    if (ok) return undefined;
    return new AppError(
      'unauthorized',
      401,
      match ? `invalid ${scope} token` : `missing bearer token (Authorization: Bearer <${scope} token>)`,
    );
  };
}

/** Middleware accepting any of `tokens` as `Authorization: Bearer <token>`. */
export function requireToken(tokens: readonly string[], scope: TokenScope) {
  const check = tokenCheck(tokens, scope);
  return (req: Request, _res: Response, next: NextFunction) => next(check(req.get('authorization')));
}
