/**
 * Dashboard notifications end to end without Grafana: alerts reach the service through its real Alertmanager webhook
 * (POST /api/alerts/webhook) and are acknowledged through its admin API (POST /api/alerts/:id/acknowledge); the
 * generated dashboards' queries — the Workshop Overview's "Notifications" table and the Beta Program Tracker's
 * banner, read from grafana/dashboards/*.json as Grafana loads them — run as grafana_reader.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsGrafanaReader, type GrafanaReader } from '../support/grafana-reader.js';
import { ADMIN_TOKEN, postEvents, startTestService, WEBHOOK_TOKEN } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const W1 = '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03';
const W2 = '7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const NEUTRAL = 'No new beta milestone';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ rawSql?: string }>;
}
/** The SQL of a panel of a generated dashboard (it has no macros or variables: it runs as it is). */
function panelSql(uid: string, title: string): string {
  const d = JSON.parse(readFileSync(path.join(ROOT, `grafana/dashboards/${uid}.json`), 'utf8')) as { panels: Panel[] };
  const sql = d.panels.find((p) => p.type !== 'row' && p.title === title)?.targets?.[0]?.rawSql;
  if (!sql) throw new Error(`${uid}: no SQL panel "${title}"`);
  expect(sql).not.toMatch(/\$/);
  return sql;
}
const NOTIFICATIONS_SQL = panelSql('workshop-overview', 'Notifications');
const BANNER_SQL = panelSql('workshop-beta-tracker', 'Beta milestone notification');

interface Alert {
  alertname: string;
  fingerprint: string;
  startsAt: string;
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  summary: string;
}

/** What the Notifications table shows, as grafana_reader reads it. */
interface Row {
  since: Date;
  title: string;
  message: string;
  workshop: string | null;
  alert: string;
  'alert id': string;
  workshop_id: string | null;
}

describe('dashboard notifications: the overview table and the beta banner', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let reader: GrafanaReader;

  /** Alertmanager's webhook call (version 4) for these alerts. */
  async function deliver(status: 'firing' | 'resolved', alerts: Alert[]) {
    const res = await fetch(`${svc.url}/api/alerts/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status,
        receiver: 'workshop-analytics-webhook',
        externalURL: 'http://alertmanager:9093',
        alerts: alerts.map((a) => ({
          status: a.status ?? status,
          labels: { alertname: a.alertname, ...a.labels },
          annotations: { summary: a.summary, description: `${a.summary} (details)` },
          startsAt: a.startsAt,
          endsAt: (a.status ?? status) === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint: a.fingerprint,
        })),
      }),
    });
    expect(res.status, await res.text()).toBe(200);
  }

  async function acknowledge(id: string) {
    const res = await fetch(`${svc.url}/api/alerts/${id}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'admin@theautodoctor.example' }),
    });
    expect(res.status, await res.text()).toBe(200);
  }

  const notifications = async () => (await reader.client.query<Row>(NOTIFICATIONS_SQL)).rows;
  const banner = async () => (await reader.client.query<{ banner: string }>(BANNER_SQL)).rows;

  const lowAcceptance: Alert = {
    alertname: 'WorkshopLowInviteAcceptance',
    fingerprint: 'low-acceptance-w1',
    startsAt: '2026-04-01T10:00:00Z',
    labels: { severity: 'warning', audience: 'dashboard', workshop_id: W1 },
    summary: 'Workshop Toronto Auto Specialists has low invite acceptance (need support?)',
  };
  const slowApprovals: Alert = {
    alertname: 'WorkshopSlowApprovals',
    fingerprint: 'slow-approvals',
    startsAt: '2026-04-01T11:00:00Z',
    labels: { severity: 'warning', audience: 'dashboard', kpi: 'approval_time' },
    summary: 'Average approval time exceeding target',
  };
  const milestone: Alert = {
    alertname: 'WorkshopBetaMilestoneReached',
    fingerprint: 'beta-target-min',
    startsAt: '2026-04-01T12:00:00Z',
    labels: { severity: 'info', audience: 'dashboard', kpi: 'beta_milestone', milestone: 'target_min' },
    summary: 'Beta target achieved! 3 workshops onboarded',
  };
  const stuck: Alert = {
    alertname: 'WorkshopApplicationStuck',
    fingerprint: 'stuck-w2',
    startsAt: '2026-04-01T13:00:00Z',
    labels: { severity: 'critical', audience: 'admin_team', workshop_id: W2 },
    summary: `Workshop application ${W2} has been pending for 48+ hours`,
  };
  const noAudience: Alert = {
    alertname: 'WorkshopApprovalBacklog',
    fingerprint: 'backlog',
    startsAt: '2026-04-01T14:00:00Z',
    labels: { severity: 'warning' },
    summary: 'Workshop approval backlog building up',
  };
  const lowAcceptanceW2: Alert = {
    ...lowAcceptance,
    fingerprint: 'low-acceptance-w2',
    startsAt: '2026-04-01T15:00:00Z',
    labels: { ...lowAcceptance.labels, workshop_id: W2 },
    summary: 'Workshop Ottawa Auto Experts has low invite acceptance (need support?)',
  };

  beforeAll(async () => {
    svc = await startTestService();
    reader = await connectAsGrafanaReader(svc.databaseUrl);
    const signup = (id: string, workshop_id: string, name: string) => ({
      id,
      type: 'workshop_signup_success',
      workshop_id,
      occurred_at: '2026-03-20T09:00:00Z',
      metadata: { name, city: 'Ontario' },
    });
    const res = await postEvents(svc.url, {
      events: [
        signup('0b6f8f2e-1c1a-4d55-9a55-000000000001', W1, 'Toronto Auto Specialists'),
        signup('0b6f8f2e-1c1a-4d55-9a55-000000000002', W2, 'Ottawa Auto Experts'),
      ],
    });
    expect(res.status, res.text).toBe(202);
  });
  afterAll(async () => {
    await reader?.close();
    await svc?.stop();
  });

  it('without any notification the table is empty and the banner shows the neutral text', async () => {
    expect(await notifications()).toEqual([]);
    expect(await banner()).toEqual([{ banner: NEUTRAL }]);
  });

  it('shows firing dashboard-audience alerts, newest first, with title, message, workshop, since and alert id', async () => {
    await deliver('firing', [lowAcceptance, slowApprovals, milestone, stuck, noAudience, lowAcceptanceW2]);
    const rows = await notifications();
    // not the admin_team alert, not the alert without an audience
    expect(rows.map((r) => r.alert)).toEqual([
      'WorkshopLowInviteAcceptance',
      'WorkshopBetaMilestoneReached',
      'WorkshopSlowApprovals',
      'WorkshopLowInviteAcceptance',
    ]);
    expect(rows[0]).toMatchObject({
      since: new Date(lowAcceptanceW2.startsAt),
      title: lowAcceptanceW2.summary,
      message: `${lowAcceptanceW2.summary} (details)`,
      workshop: 'Ottawa Auto Experts',
      workshop_id: W2,
    });
    expect(rows[2]).toMatchObject({ title: slowApprovals.summary, workshop: null, workshop_id: null });
    expect(rows[3]).toMatchObject({ workshop: 'Toronto Auto Specialists', workshop_id: W1 });
    // the alert id is the id of the alert-history API
    const history = (await (
      await fetch(`${svc.url}/api/alerts?status=open`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as { alerts: Array<{ id: string; fingerprint: string }> };
    const idOf = (fingerprint: string) => history.alerts.find((a) => a.fingerprint === fingerprint)!.id;
    expect(rows.map((r) => r['alert id'])).toEqual(
      [lowAcceptanceW2, milestone, slowApprovals, lowAcceptance].map((a) => idOf(a.fingerprint)),
    );
  });

  it('the banner shows the open beta milestone notification text', async () => {
    expect(await banner()).toEqual([{ banner: milestone.summary }]);
  });

  it('a resolved notification disappears; re-sending its old firing notification does not bring it back', async () => {
    await deliver('resolved', [lowAcceptanceW2]);
    await deliver('firing', [lowAcceptanceW2]); // a late re-send (Alertmanager retries)
    expect((await notifications()).map((r) => r.workshop_id)).not.toContain(W2);
    expect(await notifications()).toHaveLength(3);
  });

  it('acknowledging one through the API (with the id the table shows) hides it, and only it', async () => {
    const slow = (await notifications()).find((r) => r.alert === 'WorkshopSlowApprovals')!;
    await acknowledge(slow['alert id']);
    expect((await notifications()).map((r) => r.alert)).toEqual([
      'WorkshopBetaMilestoneReached',
      'WorkshopLowInviteAcceptance',
    ]);
    // Alertmanager keeps re-sending a firing alert (repeat_interval): it stays acknowledged, so hidden
    await deliver('firing', [slowApprovals]);
    expect((await notifications()).map((r) => r.alert)).not.toContain('WorkshopSlowApprovals');
  });

  it('acknowledging the milestone notification turns the banner back to the neutral text', async () => {
    const row = (await notifications()).find((r) => r.alert === 'WorkshopBetaMilestoneReached')!;
    await acknowledge(row['alert id']);
    expect(await banner()).toEqual([{ banner: NEUTRAL }]);
    expect((await notifications()).map((r) => r.alert)).toEqual(['WorkshopLowInviteAcceptance']);
  });

  it('the next milestone is a new notification: the banner shows it again', async () => {
    const max: Alert = {
      ...milestone,
      fingerprint: 'beta-target-max',
      startsAt: '2026-04-20T09:00:00Z',
      labels: { ...milestone.labels, milestone: 'target_max' },
      summary: 'Beta target achieved! 5 workshops onboarded',
    };
    await deliver('firing', [max]);
    expect(await banner()).toEqual([{ banner: max.summary }]);
  });
});
