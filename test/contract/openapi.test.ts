/**
 * docs/openapi.json checked by a maintained OpenAPI validator (@redocly/openapi-core, its strictest built-in rule
 * set: the OpenAPI 3.1 structure, JSON Schema, examples against their schemas, security, operation ids), and against
 * the code: every request example passes the schema the route validates with, every error example has the error
 * handler's shape and a code of its status, and each event type's schema requires what the catalogue requires.
 * (That the served routes equal the documented ones, and the examples against the running service:
 * test/integration/openapi.test.ts.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { EVENT_CATALOGUE, EVENT_TYPES } from '../../src/catalogue/event-catalogue.js';
import { errorBodySchema } from '../../src/http/api-doc.js';
import { validateBody } from '../../src/ingest/event-schema.js';
import { FEATURE_DOCS } from '../../src/openapi.js';

const FILE = path.resolve(import.meta.dirname, '../../docs/openapi.json');
const source = readFileSync(FILE, 'utf8');
const doc = JSON.parse(source) as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { required?: string[]; properties?: Record<string, Schema> }> };
};
interface Schema {
  required?: string[];
  properties?: Record<string, Schema>;
}
interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; examples?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }>;
}
const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, op })),
);
const routes = FEATURE_DOCS.flatMap((f) => f.routes);

/** The error codes each status is answered with (src: every `new AppError(code, status…)`), by hand. */
const CODES: Record<string, string[]> = {
  400: ['validation_failed', 'invalid_event', 'invalid_request', 'invalid_json', 'invalid_encoding', 'request_aborted'],
  401: ['unauthorized'],
  404: ['not_found'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  500: ['internal'],
  503: ['database_unavailable', 'overloaded', 'shutting_down'],
};

describe('docs/openapi.json', () => {
  it('is valid OpenAPI 3.1 with no problem under redocly recommended-strict', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const config = await createConfig({
      extends: ['recommended-strict'],
      // /healthz, /readyz and /openapi.json take no input and no token: they answer no 4xx at all
      rules: { 'operation-4xx-response': 'off' },
    });
    const problems = await lintFromString({ source, absoluteRef: FILE, config });
    const found = problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(found).toEqual([]);
  }, 60_000);

  it('when an example breaks its schema, then the validator reports it (the check can fail)', async () => {
    const broken = JSON.parse(source) as typeof doc;
    const ex = broken.paths['/v1/events']!.post!.requestBody!.content['application/json']!.examples!.single!;
    ex.value = { type: 'workshop_signup_success', workshop_id: 'not-a-uuid' };
    const config = await createConfig({ extends: ['recommended-strict'], rules: { 'operation-4xx-response': 'off' } });
    const problems = await lintFromString({ source: JSON.stringify(broken), absoluteRef: FILE, config });
    expect(problems.map((p) => p.ruleId)).toContain('no-invalid-media-type-examples');
  }, 60_000);

  it('gives every operation an id, explicit security, and an example of every request body', () => {
    for (const { key, op } of operations) {
      expect(op.operationId, key).toMatch(/^[a-z][A-Za-z]+$/);
      expect(Array.isArray(op.security), `${key} says which token it wants`).toBe(true);
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
        expect(Object.keys(media.examples ?? {}).length, `${key} ${type} request examples`).toBeGreaterThan(0);
    }
  });

  it('marks each route with the token it really wants', () => {
    const security = (p: string, m: string) => JSON.stringify(doc.paths[p]![m]!.security);
    expect(security('/v1/events', 'post')).toBe('[{"ingestToken":[]}]');
    expect(security('/api/alerts/webhook', 'post')).toBe('[{"alertWebhookToken":[]}]');
    expect(security('/healthz', 'get')).toBe('[]');
    expect(security('/openapi.json', 'get')).toBe('[]');
    expect(security('/readyz', 'get')).toBe('[{},{"adminToken":[]}]');
    expect(security('/metrics', 'get')).toBe('[{},{"metricsToken":[]}]');
    for (const p of Object.keys(doc.paths).filter((p) => p.startsWith('/api/') && p !== '/api/alerts/webhook'))
      for (const m of Object.keys(doc.paths[p]!)) expect(security(p, m), `${m} ${p}`).toBe('[{"adminToken":[]}]');
  });

  it('gives every error response examples in the error shape, each with a code of its status', () => {
    let count = 0;
    for (const { key, op } of operations)
      for (const [status, res] of Object.entries(op.responses).filter(([s]) => Number(s) >= 400)) {
        if (key === 'GET /readyz' && status === '503') continue; // not an error: the readiness answer
        const examples = Object.entries(res.content?.['application/json']?.examples ?? {});
        expect(examples.length, `${key} ${status} examples`).toBeGreaterThan(0);
        for (const [name, ex] of examples) {
          const parsed = errorBodySchema.safeParse(ex.value);
          expect(parsed.success, `${key} ${status} ${name}: ${JSON.stringify(ex.value)}`).toBe(true);
          expect(CODES[status], `${key} ${status} ${name}`).toContain(parsed.data!.error.code);
          count++;
        }
      }
    expect(count).toBeGreaterThan(50);
  });

  it('holds request examples every one of which the schema of its route accepts', () => {
    for (const r of routes) {
      for (const [name, ex] of Object.entries(r.body?.examples ?? {})) {
        expect(r.body!.schema.safeParse(ex.value).error, `${r.operationId} ${name}`).toBeUndefined();
        if (r.operationId === 'postEvents') {
          const checked = validateBody(ex.value, { ipMode: 'truncate', nowMs: Date.now() });
          expect(checked, `${name} passes the ingest validation itself`).not.toHaveProperty('problems');
        }
      }
      // as Express's simple query parser hands them over: text, or a list of texts
      for (const [name, ex] of Object.entries(r.queryExamples ?? {})) {
        const query = Object.fromEntries(
          Object.entries(ex.value).map(([k, v]) => [k, Array.isArray(v) && v.length > 1 ? v : String(v)]),
        );
        expect(r.query!.safeParse(query).error, `${r.operationId} ${name}`).toBeUndefined();
      }
    }
  });

  it('describes each event type with the fields and metadata the catalogue requires', () => {
    for (const t of EVENT_TYPES) {
      const s = doc.components.schemas[`Event_${t}`]!;
      const spec = EVENT_CATALOGUE[t];
      const shape = spec.metadata.shape as Record<string, z.ZodType>;
      const metadataRequired = Object.keys(shape).filter((k) => !shape[k]!.safeParse(undefined).success);
      const expected = ['type', ...spec.requires, ...(metadataRequired.length ? ['metadata'] : [])];
      expect([...(s.required ?? [])].sort(), t).toEqual(expected.sort());
      expect(s.properties!.metadata!.required ?? [], t).toEqual(metadataRequired);
    }
    expect(doc.components.schemas.Event_workshop_approved!.required).toContain('admin_id');
    expect(doc.components.schemas.Event_session_completed!.properties!.metadata!.required).toEqual(['revenue_cents']);
  });
});
