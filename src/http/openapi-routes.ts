/**
 * GET /openapi.json, without authentication: the OpenAPI document, serialised once. Express adds a strong ETag
 * of the bytes and answers If-None-Match with 304; HEAD is answered too.
 */
import { createHash } from 'node:crypto';
import { Router } from 'express';

export const OPENAPI_PATH = '/openapi.json';

/** The document as `npm run generate` writes docs/openapi.json: two-space JSON and a final newline. */
export const serialiseOpenApi = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

export function openApiRoutes(document: unknown): Router {
  const router = Router();
  const body = serialiseOpenApi(document);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  router.get(OPENAPI_PATH, (_req, res) => {
    res.set({ 'Cache-Control': 'no-cache', ETag: etag }).type('application/json').send(body);
  });
  return router;
}
