/**
 * End to end, with real parts only: events → the service (real PostgreSQL) → /metrics scraped by a real
 * Prometheus evaluating the project's alert rules → a real Alertmanager with the project's routing and
 * templates → a Slack-compatible webhook, an SMTP server, and the service's own alert history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev } from '../support/events.js';
import { ADMIN_TOKEN, WEBHOOK_TOKEN, postEvents, startTestService } from '../support/service.js';
import {
  startAlertmanager,
  startPrometheus,
  startSlackSink,
  startSmtpSink,
  waitFor,
  type Mail,
  type Proc,
  type Sink,
} from './support/stack.js';

const WORKSHOP = 'a2e00000-0000-4000-8000-000000000001';
const HOUR = 3_600_000;

describe('alerting end to end: Prometheus rules → Alertmanager → Slack, email and workshop_alerts', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let slack: Sink<Record<string, unknown>>;
  let smtp: Sink<Mail> & { port: number };
  let am: Proc;
  let prom: Proc;
  const debug = () => `--- prometheus\n${prom?.output().slice(-3000)}\n--- alertmanager\n${am?.output().slice(-3000)}`;

  beforeAll(async () => {
    svc = await startTestService();
    slack = await startSlackSink();
    smtp = await startSmtpSink();
    am = await startAlertmanager({
      slackUrl: slack.url,
      smtpPort: smtp.port,
      webhookUrl: `${svc.url}/api/alerts/webhook`,
      webhookToken: WEBHOOK_TOKEN,
    });
    prom = await startPrometheus({ service: svc.url, alertmanager: am.url });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await slack?.stop();
    await smtp?.stop();
    await svc?.stop();
  });

  it(
    'a workshop pending for 49 hours pages (critical: Slack + email + history), and resolves when approved',
    async () => {
      const signup = ev('workshop_signup_success', {
        workshop_id: WORKSHOP,
        occurred_at: new Date(Date.now() - 49 * HOUR).toISOString(),
        metadata: { name: 'Hamilton Motor Works', city: 'Hamilton' },
      });
      expect((await postEvents(svc.url, signup)).status).toBe(202);
      await svc.aggregator.refresher.refresh();

      // Prometheus sees the rule fire (after its for: duration)
      await waitFor(
        'WorkshopApplicationStuck firing in Prometheus',
        async () => {
          const r = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as {
            data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
          };
          return r.data.alerts.some((a) => a.labels.alertname === 'WorkshopApplicationStuck' && a.state === 'firing');
        },
        8 * 60_000,
        debug,
      );

      const slackFiring = await waitFor(
        'the Slack message',
        () =>
          slack.received.find(
            (m) => JSON.stringify(m).includes('WorkshopApplicationStuck') && !/RESOLVED/i.test(JSON.stringify(m)),
          ),
        60_000,
        debug,
      );
      const slackText = JSON.stringify(slackFiring);
      expect(slackText).toContain('Hamilton Motor Works');
      expect(slackText).toContain('runbooks.md#workshopapplicationstuck');
      expect(slackText).toMatch(/silences\/new/);

      const mailFiring = await waitFor(
        'the FIRING email',
        () => smtp.received.find((m) => /FIRING/.test(m.subject) && m.text.includes('WorkshopApplicationStuck')),
        60_000,
        debug,
      );
      expect(mailFiring.text).toContain('Hamilton Motor Works');

      const row = await waitFor(
        'the workshop_alerts row',
        async () => {
          const r = await fetch(`${svc.url}/api/alerts?status=open`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          });
          const alerts = ((await r.json()) as { alerts: Array<Record<string, unknown>> }).alerts;
          return alerts.find((a) => a.alert_type === 'WorkshopApplicationStuck');
        },
        60_000,
        debug,
      );
      expect(row).toMatchObject({ severity: 'critical', status: 'firing', workshop_id: WORKSHOP });

      // clear the condition: the workshop is approved, so it is no longer pending
      const approve = ev('workshop_approved', {
        workshop_id: WORKSHOP,
        admin_id: '00000000-0000-4000-8000-0000000000ad',
      });
      expect((await postEvents(svc.url, approve)).status).toBe(202);
      await svc.aggregator.refresher.refresh();

      const mailResolved = await waitFor(
        'the RESOLVED email',
        () => smtp.received.find((m) => /RESOLVED/.test(m.subject)),
        3 * 60_000,
        debug,
      );
      expect(mailResolved.text).toContain('WorkshopApplicationStuck');
      expect(mailResolved.text).toContain('Hamilton Motor Works');
      await waitFor(
        'the resolved Slack message',
        () =>
          slack.received.find(
            (m) => /resolved/i.test(JSON.stringify(m)) && JSON.stringify(m).includes('WorkshopApplicationStuck'),
          ),
        60_000,
        debug,
      );
      const resolved = await waitFor(
        'the resolved workshop_alerts row',
        async () => {
          const r = await fetch(`${svc.url}/api/alerts?status=resolved`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          });
          return ((await r.json()) as { alerts: Array<Record<string, unknown>> }).alerts.find(
            (a) => a.alert_type === 'WorkshopApplicationStuck',
          );
        },
        60_000,
        debug,
      );
      expect(resolved.resolved_at).not.toBeNull();
    },
    12 * 60_000,
  );
});
