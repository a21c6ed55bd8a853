/**
 * The admin APIs during a database outage: the alert webhook, the alert history, KPI rows, a workshop's health and
 * event search answer 503 database_unavailable with Retry-After (Alertmanager and scripts retry; nothing was
 * stored), never a 500 defect, and work again once PostgreSQL is back. One mechanism: the error handler maps the
 * database's "unavailable" errors (db/pool.ts databaseErrorAnswer), whatever the route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { ADMIN_TOKEN, WEBHOOK_TOKEN, startTestService } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const notification = {
  version: '4',
  status: 'firing',
  receiver: 'workshop-analytics-webhook',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'WorkshopApprovalBacklog', severity: 'warning', audience: 'admin_team' },
      annotations: { summary: 'Workshop approval backlog building up' },
      startsAt: '2026-04-01T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'f00d',
    },
  ],
};

describe('admin APIs when PostgreSQL cannot be reached', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let proxy: TcpProxy;
  const post = () =>
    fetch(`${svc.url}/api/alerts/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(notification),
    });

  beforeAll(async () => {
    const url = await createTestDatabase();
    proxy = await new TcpProxy(Number(new URL(url).port)).start();
    svc = await startTestService({}, proxy.rewrite(url));
  });
  afterAll(async () => {
    await proxy.restore().catch(() => {});
    await svc?.stop();
    await proxy?.stop();
  });

  it('then each answers 503 database_unavailable with Retry-After, and the webhook records again once it is back', async () => {
    await proxy.cut();
    const res = await post();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
    for (const path of [
      '/api/alerts',
      '/api/metrics?type=daily&from=2026-03-01&to=2026-03-02',
      '/api/workshops/5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03/health',
      '/api/events?limit=5',
      '/api/events?format=ndjson',
    ]) {
      const r = await fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(r.status, path).toBe(503);
      expect(r.headers.get('retry-after'), path).toBe('5');
      expect(((await r.json()) as { error: { code: string } }).error.code, path).toBe('database_unavailable');
    }

    await proxy.restore();
    let ok: Response | undefined;
    for (let i = 0; i < 50 && ok?.status !== 200; i++) {
      ok = await post();
      if (ok.status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ok?.status).toBe(200);
    expect(await ok!.json()).toEqual({ recorded: 1 });
  });
});
