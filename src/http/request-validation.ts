/** Request validation for the admin APIs: a zod schema or a UUID path parameter, or a 400 naming the problem. */
import type { z } from 'zod';
import { AppError } from '../errors.js';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `input` parsed by `schema`, or AppError 400 whose details list every issue (the message, the first `inMessage`). */
export function parseRequest<T>(schema: z.ZodType<T>, input: unknown, inMessage = Infinity): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new AppError(
    'invalid_request',
    400,
    details
      .slice(0, inMessage)
      .map((d) => `${d.path || 'body'}: ${d.message}`)
      .join('; '),
    details,
  );
}

/** The `:id` path parameter, which must be a UUID of a `what` (e.g. "workshop"). */
export function uuidParam(value: unknown, what: string): string {
  const id = String(value);
  if (!UUID_PATTERN.test(id))
    throw new AppError('invalid_request', 400, `id: must be a ${what} UUID`, [
      { path: 'id', message: 'must be a UUID' },
    ]);
  return id;
}
