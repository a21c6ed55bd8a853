/**
 * GET /openapi.json, without authentication: the OpenAPI document, built and serialised once, on the first request
 * (not at start-up: building it takes ~0.1 s that every replica's start would pay for a document few ask for). It
 * carries a strong ETag of the bytes; Express answers If-None-Match with 304, and HEAD too.
 */
import { createHash } from 'node:crypto';
import { Router } from 'express';

export const OPENAPI_PATH = '/openapi.json';

/** The document as `npm run generate` writes docs/openapi.json: two-space JSON and a final newline. */
export const serialiseOpenApi = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

export function openApiRoutes(document: () => unknown): Router {
  const router = Router();
  let served: { body: string; etag: string } | undefined;
  const serve = () => {
    if (served) return served;
    const body = serialiseOpenApi(document());
    return (served = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  };
  router.get(OPENAPI_PATH, (_req, res) => {
    const { body, etag } = serve();
    res.set({ 'Cache-Control': 'no-cache', ETag: etag }).type('application/json').send(body);
  });
  return router;
}
