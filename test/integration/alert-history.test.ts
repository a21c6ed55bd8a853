import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeDigest } from '../../src/alerts/digest.js';
import { ADMIN_TOKEN, WEBHOOK_TOKEN, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
const W = '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03';

/** An Alertmanager webhook notification (version 4), as Alertmanager sends it. */
function notification(
  status: 'firing' | 'resolved',
  alerts: Array<{
    fingerprint: string;
    startsAt: string;
    status?: 'firing' | 'resolved';
    labels?: Record<string, string>;
    endsAt?: string;
  }>,
) {
  return {
    version: '4',
    groupKey: '{}:{alertname="WorkshopApplicationStuck"}',
    truncatedAlerts: 0,
    status,
    receiver: 'service-webhook',
    groupLabels: { alertname: 'WorkshopApplicationStuck' },
    commonLabels: { alertname: 'WorkshopApplicationStuck', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? status,
      labels: { alertname: 'WorkshopApplicationStuck', severity: 'critical', workshop_id: W, ...a.labels },
      annotations: {
        summary: 'Application stuck',
        description: 'Toronto Auto Specialists (Toronto) pending 2d 1h',
        runbook_url: 'https://x/runbooks.md#workshopapplicationstuck',
      },
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

describe('alert history (POST /api/alerts/webhook, GET /api/alerts, acknowledge)', () => {
  let svc: Svc;
  const post = (path: string, body: unknown, token = WEBHOOK_TOKEN) =>
    fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const list = async (status: string) =>
    (
      (await (
        await fetch(`${svc.url}/api/alerts?status=${status}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      ).json()) as { alerts: Array<Record<string, unknown>> }
    ).alerts;

  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('a firing alert becomes one open row; repeats of the same instance do not add rows', async () => {
    const n = notification('firing', [{ fingerprint: 'f1', startsAt: '2026-11-21T10:00:00Z' }]);
    for (let i = 0; i < 3; i++) expect((await post('/api/alerts/webhook', n)).status).toBe(200);
    const open = await list('open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      alert_type: 'WorkshopApplicationStuck',
      severity: 'critical',
      status: 'firing',
      workshop_id: W,
      fingerprint: 'f1',
      starts_at: '2026-11-21T10:00:00.000Z',
      ends_at: null,
      resolved_at: null,
      title: 'Application stuck',
      acknowledged: false,
    });
  });

  it('a resolved notification marks the instance resolved; a later firing is a new instance', async () => {
    await post(
      '/api/alerts/webhook',
      notification('resolved', [
        { fingerprint: 'f1', startsAt: '2026-11-21T10:00:00Z', endsAt: '2026-11-21T11:00:00Z' },
      ]),
    );
    // a late re-send of the old firing notification does not reopen it
    await post(
      '/api/alerts/webhook',
      notification('firing', [{ fingerprint: 'f1', startsAt: '2026-11-21T10:00:00Z' }]),
    );
    const resolved = await list('resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ status: 'resolved', ends_at: '2026-11-21T11:00:00.000Z' });
    expect(resolved[0]!.resolved_at).not.toBeNull();
    await post(
      '/api/alerts/webhook',
      notification('firing', [{ fingerprint: 'f1', startsAt: '2026-11-22T10:00:00Z' }]),
    );
    expect(await list('open')).toHaveLength(1);
    expect(await list('all')).toHaveLength(2);
  });

  it('acknowledging records who and when, once', async () => {
    const [row] = await list('open');
    const ack = async (by: string) => post(`/api/alerts/${row!.id}/acknowledge`, { by }, ADMIN_TOKEN);
    const first = await ack('ops@theautodoctor.ca');
    expect(first.status).toBe(200);
    const body = (await first.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ acknowledged: true, acknowledged_by: 'ops@theautodoctor.ca' });
    const second = (await (await ack('someone-else')).json()) as Record<string, unknown>;
    expect(second.acknowledged_by).toBe('ops@theautodoctor.ca');
    expect(second.acknowledged_at).toBe(body.acknowledged_at);
    expect((await post(`/api/alerts/${row!.id}/acknowledge`, {}, ADMIN_TOKEN)).status).toBe(400);
    expect(
      (await post('/api/alerts/00000000-0000-4000-8000-000000000000/acknowledge', { by: 'x' }, ADMIN_TOKEN)).status,
    ).toBe(404);
  });

  it('bad notifications are refused with 400 naming the field, and change nothing; tokens are checked', async () => {
    const before = (await list('all')).length;
    const bad = notification('firing', [{ fingerprint: 'f9', startsAt: 'yesterday' }]);
    const res = await post('/api/alerts/webhook', bad);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('startsAt');
    const noName = notification('firing', [{ fingerprint: 'f9', startsAt: '2026-11-21T10:00:00Z' }]);
    delete (noName.alerts[0]!.labels as Record<string, string>).alertname;
    expect((await post('/api/alerts/webhook', noName)).status).toBe(400);
    expect(
      (
        await post(
          '/api/alerts/webhook',
          notification('firing', [{ fingerprint: 'f8', startsAt: '2026-11-21T10:00:00Z' }]),
          ADMIN_TOKEN,
        )
      ).status,
    ).toBe(401);
    expect(
      (await fetch(`${svc.url}/api/alerts?status=open`, { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } }))
        .status,
    ).toBe(401);
    expect((await list('all')).length).toBe(before);
  });
});

describe('weekly digest composition', () => {
  it('compares last week with the week before and judges each KPI against its target', () => {
    const row = (over: Record<string, number | null>) =>
      ({
        metric_date: '',
        signups_started: 10,
        signups_completed: 7,
        signup_conversion_rate: 70,
        avg_approval_time_hours: 30.5,
        invite_acceptance_rate: 80,
        email_success_rate: 97.5,
        api_success_rate: 99.9,
        revenue_cents: 123456,
        ...over,
      }) as never;
    const d = composeDigest(
      '2026-11-16',
      row({}),
      row({ signup_conversion_rate: 50, revenue_cents: 100000 }),
      'http://grafana/d/workshop-overview',
    );
    expect(d.subject).toBe('[Workshop analytics] Weekly digest, week of 2026-11-16 — 2 target(s) missed');
    expect(d.text).toContain('• Signup conversion: 70.00% (+20.00 pts) vs 50.00% — target > 60.00%: met');
    expect(d.text).toContain('• Average approval time: 30.50 h (±0.00 h) vs 30.50 h — target < 24.00 h: MISSED');
    expect(d.text).toContain('• Email delivery: 97.50% (±0.00 pts) vs 97.50% — target > 98.00%: MISSED');
    expect(d.text).toContain('• Revenue: $1234.56 (+$234.56) vs $1000.00');
    expect(d.text).toContain('Dashboard: http://grafana/d/workshop-overview');
    const none = composeDigest('2026-11-16', undefined, undefined, 'u');
    expect(none.text).toContain('no KPI row was computed');
  });
});
