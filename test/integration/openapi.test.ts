/**
 * The OpenAPI document against the running service over real HTTP: GET /openapi.json is the committed
 * docs/openapi.json, without a token; the documented operations are exactly the routes the service serves (so a
 * route added without docs fails here); every documented request example is accepted by the real route (no 400,
 * 401 or 415) and its JSON answer matches the documented schema; and a request without a token gets exactly the
 * documented 401 example.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteAuth, RouteDoc } from '../../src/http/api-doc.js';
import { openApiPath } from '../../src/http/openapi-document.js';
import { FEATURE_DOCS } from '../../src/openapi.js';
import { ADMIN_TOKEN, INGEST_TOKEN, startTestService, WEBHOOK_TOKEN } from '../support/service.js';

const committed = readFileSync(path.resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8');
const doc = JSON.parse(committed) as { paths: Record<string, Record<string, unknown>> };
const routes = FEATURE_DOCS.flatMap((f) => f.routes);
const TOKENS: Record<RouteAuth, string | undefined> = {
  none: undefined,
  adminOptional: undefined,
  metricsOptional: undefined,
  ingest: INGEST_TOKEN,
  admin: ADMIN_TOKEN,
  alertWebhook: WEBHOOK_TOKEN,
};

let svc: Awaited<ReturnType<typeof startTestService>>;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

/** The route's URL: path ids from their documented examples, then `query` as a form query string. */
function urlOf(r: RouteDoc, query: Record<string, string | number | string[]> = {}): string {
  let p = r.path;
  for (const [name, param] of Object.entries(r.pathParams ?? {})) p = p.replace(`:${name}`, param.example);
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of [v].flat()) qs.append(k, String(one));
  return `${svc.url}${p}${qs.size ? `?${qs}` : ''}`;
}

async function call(r: RouteDoc, opts: { query?: Record<string, string | number | string[]>; body?: unknown } = {}) {
  const token = TOKENS[r.auth];
  const res = await fetch(urlOf(r, opts.query), {
    method: r.method.toUpperCase(),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** A 2xx whose JSON matches the documented schema of that status, or a 404 not_found (the example's id is unknown). */
function expectAccepted(r: RouteDoc, what: string, got: Awaited<ReturnType<typeof call>>) {
  if (got.status === 404) {
    expect(JSON.parse(got.text).error.code, `${what}: ${got.text}`).toBe('not_found');
    return;
  }
  expect(got.status, `${what}: ${got.text.slice(0, 500)}`).toBeLessThan(300);
  const documented = Object.keys(r.responses[got.status]?.content ?? {}).map((t) => t.split(';')[0]);
  expect(documented, `${what}: the media type is documented`).toContain(got.type.split(';')[0]);
  const schema = r.responses[got.status]?.content?.['application/json']?.schema;
  if (got.type.startsWith('application/json') && schema) {
    const parsed = schema.safeParse(JSON.parse(got.text));
    expect(parsed.error, `${what}: the answer matches the documented schema`).toBeUndefined();
  }
}

describe('GET /openapi.json', () => {
  it('answers the committed docs/openapi.json as JSON without a token, with an ETag that revalidates', async () => {
    const res = await fetch(`${svc.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(await res.text()).toBe(committed);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    // fetch adds `Cache-Control: no-cache` to a conditional request (which always gets 200) unless one is given
    const headers = { 'if-none-match': etag!, 'cache-control': 'max-age=0' };
    const again = await fetch(`${svc.url}/openapi.json`, { headers });
    expect(again.status).toBe(304);
    const head = await fetch(`${svc.url}/openapi.json`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });
});

describe('the documented operations', () => {
  it('are exactly the routes the service serves', () => {
    const served = svc.routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    expect(served).toContain('post /v1/events');
    expect(served).toContain('get /api/workshops/{id}/health');
    expect(documented).toEqual(served);
  });

  it('accept every documented request example (body or query) and answer it as documented', async () => {
    let sent = 0;
    for (const r of routes) {
      for (const [name, ex] of Object.entries(r.body?.examples ?? {})) {
        expectAccepted(r, `${r.operationId} body ${name}`, await call(r, { body: ex.value }));
        sent++;
      }
      for (const [name, ex] of Object.entries(r.queryExamples ?? {})) {
        expectAccepted(r, `${r.operationId} query ${name}`, await call(r, { query: ex.value }));
        sent++;
      }
      if (!r.body?.required && !r.queryExamples) {
        expectAccepted(r, `${r.operationId} as it is`, await call(r));
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(20);
  }, 120_000);

  it('acknowledge a recorded alert with the documented example, answering the documented alert row', async () => {
    const ack = routes.find((r) => r.operationId === 'acknowledgeAlert')!;
    const list = await fetch(`${svc.url}/api/alerts?status=all`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const { alerts } = (await list.json()) as { alerts: Array<{ id: string }> };
    expect(alerts.length, 'the webhook example recorded one').toBeGreaterThan(0);
    const withId = { ...ack, pathParams: { id: { description: '', example: alerts[0]!.id } } };
    const got = await call(withId, { body: ack.body!.examples.by!.value });
    expect(got.status).toBe(200);
    expectAccepted(ack, 'acknowledgeAlert of a recorded alert', got);
  });

  it('answer a request without a token with exactly the documented 401 example', async () => {
    const guarded = routes.filter((r) => ['ingest', 'admin', 'alertWebhook'].includes(r.auth));
    expect(guarded.length).toBeGreaterThan(10);
    for (const r of guarded) {
      const res = await fetch(urlOf(r), { method: r.method.toUpperCase() });
      expect(res.status, r.operationId).toBe(401);
      expect(await res.json(), r.operationId).toEqual(r.errors[401]!.examples.missing!.value);
    }
  });
});
