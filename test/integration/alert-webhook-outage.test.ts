/**
 * The alert history's API during a database outage: the webhook answers 503 database_unavailable with
 * Retry-After (Alertmanager retries; nothing was stored), never a 500 defect, and works again once PostgreSQL is back.
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

describe('alert webhook when PostgreSQL cannot be reached', () => {
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

  it('then the webhook and the history answer 503 database_unavailable with Retry-After, and recover', async () => {
    await proxy.cut();
    const res = await post();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
    const list = await fetch(`${svc.url}/api/alerts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(list.status).toBe(503);

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
