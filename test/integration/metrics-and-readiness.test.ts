/**
 * Who may read /metrics and /readyz's details, over real HTTP against the service on real PostgreSQL:
 * METRICS_TOKENS (a bearer token), METRICS_PORT (a separate listener, the main port no longer serves /metrics),
 * both together, and neither (open on the main port, as before). /readyz tells an unauthenticated caller only
 * whether the service is ready; the admin token also gets the problems.
 */
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { withClient } from '../support/database.js';
import { ADMIN_TOKEN, INGEST_TOKEN, startTestService } from '../support/service.js';

const METRICS_TOKEN = 'test-metrics-token-0123456789';
type Svc = Awaited<ReturnType<typeof startTestService>>;
const started: Svc[] = [];
const start = async (env: Record<string, string>) => {
  const s = await startTestService(env);
  started.push(s);
  return s;
};
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

const get = async (url: string, token?: string) => {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};
const isPrometheusText = (r: { status: number; type: string; text: string }) =>
  r.status === 200 && r.type.startsWith('text/plain') && /^# TYPE workshop_events_total counter$/m.test(r.text);

describe('GET /metrics', () => {
  it('when neither METRICS_TOKENS nor METRICS_PORT is set, then the main port serves it without a token', async () => {
    const svc = await start({});
    expect(svc.metricsUrl).toBeUndefined();
    expect(isPrometheusText(await get(`${svc.url}/metrics`))).toBe(true);
  });

  it('when the scraper asks for gzip (as Prometheus does), then the body is sent plain, with its exact length', async () => {
    const svc = await start({});
    const { headers, body } = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) =>
        http
          .get(`${svc.url}/metrics`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          })
          .on('error', reject),
    );
    expect(headers['content-encoding']).toBeUndefined();
    expect(Number(headers['content-length'])).toBe(body.byteLength);
    expect(body.toString('utf8')).toMatch(/^# HELP target_info /);
  });

  it('when METRICS_TOKENS is set, then it answers 401 JSON without the token or with a wrong one (even the admin token), 200 with it', async () => {
    const svc = await start({ METRICS_TOKENS: METRICS_TOKEN });
    for (const token of [undefined, 'wrong-metrics-token-0123456789', ADMIN_TOKEN, INGEST_TOKEN]) {
      const r = await get(`${svc.url}/metrics`, token);
      expect(r.status, String(token)).toBe(401);
      expect(r.type).toMatch(/^application\/json/);
      expect((JSON.parse(r.text) as { error: { code: string } }).error.code).toBe('unauthorized');
      expect(r.text).not.toContain('workshop_');
    }
    expect(isPrometheusText(await get(`${svc.url}/metrics`, METRICS_TOKEN))).toBe(true);
  });

  it('when METRICS_PORT is set, then only that port serves it (on HOST) and the main port answers 404', async () => {
    const svc = await start({ METRICS_PORT: '0' });
    expect(svc.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(svc.metricsUrl).not.toBe(svc.url);
    const main = await get(`${svc.url}/metrics`);
    expect(main.status).toBe(404);
    expect(isPrometheusText(await get(`${svc.metricsUrl}/metrics`))).toBe(true);
    // the metrics port serves nothing else
    expect((await get(`${svc.metricsUrl}/readyz`)).status).toBe(404);
    expect((await fetch(`${svc.metricsUrl}/v1/events`, { method: 'POST' })).status).toBe(404);
    // the main port still serves the rest
    expect((await get(`${svc.url}/healthz`)).status).toBe(200);
  });

  it('when both are set, then the metrics port wants the token and the main port has no /metrics', async () => {
    const svc = await start({ METRICS_PORT: '0', METRICS_TOKENS: METRICS_TOKEN });
    expect((await get(`${svc.url}/metrics`, METRICS_TOKEN)).status).toBe(404);
    expect((await get(`${svc.metricsUrl}/metrics`)).status).toBe(401);
    expect((await get(`${svc.metricsUrl}/metrics`, 'wrong-metrics-token-0123456789')).status).toBe(401);
    expect(isPrometheusText(await get(`${svc.metricsUrl}/metrics`, METRICS_TOKEN))).toBe(true);
  });

  it('when the service stops, then the metrics port is closed too', async () => {
    const svc = await startTestService({ METRICS_PORT: '0' });
    expect((await get(`${svc.metricsUrl}/metrics`)).status).toBe(200);
    await svc.stop();
    await expect(fetch(`${svc.metricsUrl}/metrics`)).rejects.toThrow();
  });
});

describe('GET /readyz', () => {
  it('when not ready, then without the admin token it answers 503 {"status":"not_ready"} only; with it, the problems', async () => {
    const svc = await start({});
    expect(await get(`${svc.url}/readyz`)).toMatchObject({ status: 200, text: '{"status":"ready"}' });
    // one migration "not applied": the readiness check reports it
    const name = await withClient(svc.databaseUrl, async (c) => {
      const r = await c.query<{ name: string }>(
        `DELETE FROM pgmigrations WHERE id = (SELECT max(id) FROM pgmigrations) RETURNING name`,
      );
      return r.rows[0]!.name;
    });
    try {
      for (const token of [undefined, 'wrong-admin-token-0123456789', INGEST_TOKEN]) {
        const r = await get(`${svc.url}/readyz`, token);
        expect(r.status).toBe(503);
        expect(JSON.parse(r.text)).toEqual({ status: 'not_ready' });
      }
      const admin = await get(`${svc.url}/readyz`, ADMIN_TOKEN);
      expect(admin.status).toBe(503);
      expect(JSON.parse(admin.text)).toEqual({ status: 'not_ready', problems: [`migrations not applied: ${name}`] });
    } finally {
      await withClient(svc.databaseUrl, (c) =>
        c.query(`INSERT INTO pgmigrations (name, run_on) VALUES ($1, now())`, [name]),
      );
    }
    expect((await get(`${svc.url}/readyz`)).status).toBe(200);
  });
});
