/**
 * End to end, with real parts only: events → the service (real PostgreSQL, behind a TCP proxy the test can cut)
 * → /metrics scraped by a real Prometheus evaluating the project's alert rules → a real Alertmanager configured by
 * the project's render step (TLS and AUTH to SMTP, one Slack webhook per channel, the heartbeat) → the audiences
 * of the plan: the admin team's and the tech team's inboxes, the critical Slack channel, the service's alert
 * history, the workshop owner (mailed by the service), and the dead man's switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ev } from '../support/events.js';
import { createTestDatabase } from '../support/database.js';
import { ADMIN_TOKEN, WEBHOOK_TOKEN, postEvents, startTestService } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import {
  TEAM_EMAIL,
  selfSignedCert,
  startAlertmanager,
  startHttpSink,
  startPrometheus,
  startSmtpSink,
  waitFor,
  type Mail,
  type Posted,
  type Proc,
  type Sink,
} from './support/stack.js';

const STUCK = 'a2e00000-0000-4000-8000-000000000001';
const THRIVING = 'a2e00000-0000-4000-8000-000000000002';
const EMAILS = 'a2e00000-0000-4000-8000-000000000003';
const ADMIN = '00000000-0000-4000-8000-0000000000ad';
const OWNER = 'owner@thriving-garage.test';
const GRAFANA = 'https://grafana.e2e.test';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Alert = { labels: Record<string, string>; state: string };
type AlertRow = Record<string, unknown> & { alert_type: string };

describe('alerting end to end: Prometheus rules → Alertmanager → the plan audiences', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let dbUrl: string;
  let proxy: TcpProxy;
  let sink: Sink<Posted>;
  let smtp: Sink<Mail> & { port: number; logins: string[] };
  let ownerSmtp: Sink<Mail> & { port: number };
  let am: Proc;
  let prom: Proc;
  const debug = () => `--- prometheus\n${prom?.output().slice(-3000)}\n--- alertmanager\n${am?.output().slice(-3000)}`;
  const serviceEnv = () => ({
    OWNER_EMAIL_SMTP_URL: ownerSmtp.url,
    OWNER_EMAIL_FROM: 'programme@workshop.test',
    ACCOUNT_MANAGER_EMAIL: TEAM_EMAIL.accountManager,
  });

  const firing = async (alertname: string) => {
    const r = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } };
    return r.data.alerts.some((a) => a.labels.alertname === alertname && a.state === 'firing');
  };
  const history = async (status: 'open' | 'resolved' | 'all') => {
    const r = await fetch(`${svc.url}/api/alerts?status=${status}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return ((await r.json()) as { alerts: AlertRow[] }).alerts;
  };
  const mailTo = (to: string, subject: RegExp, alertname: string) =>
    smtp.received.find((m) => m.to.includes(to) && subject.test(m.subject) && m.text.includes(alertname));
  const slack = (channel: string, alertname: string) =>
    sink.received.filter((p) => p.path === `/slack/${channel}` && p.text.includes(alertname));

  beforeAll(async () => {
    const tls = selfSignedCert();
    sink = await startHttpSink();
    smtp = await startSmtpSink({ ...tls, username: 'alertmanager', password: 's3cret-relay-password' });
    ownerSmtp = await startSmtpSink();
    dbUrl = await createTestDatabase();
    proxy = await new TcpProxy(Number(new URL(dbUrl).port)).start();
    svc = await startTestService(serviceEnv(), proxy.rewrite(dbUrl));
    am = await startAlertmanager({
      sinkUrl: sink.url,
      smtp: { port: smtp.port, username: 'alertmanager', password: 's3cret-relay-password', caFile: tls.cert },
      webhookUrl: `${svc.url}/api/alerts/webhook`,
      webhookToken: WEBHOOK_TOKEN,
      grafanaUrl: GRAFANA,
    });
    prom = await startPrometheus({ service: svc.url, alertmanager: am.url });
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await am?.stop();
    await svc?.stop();
    await proxy?.stop();
    await sink?.stop();
    await smtp?.stop();
    await ownerSmtp?.stop();
  });

  it(
    'a workshop pending for 49 hours emails the admin team (over TLS, authenticated) and is kept in the history',
    async () => {
      const signup = ev('workshop_signup_success', {
        workshop_id: STUCK,
        occurred_at: new Date(Date.now() - 49 * HOUR).toISOString(),
        metadata: { name: 'Hamilton Motor Works', city: 'Hamilton' },
      });
      expect((await postEvents(svc.url, signup)).status).toBe(202);
      await svc.aggregator.refresher.refresh();

      await waitFor('WorkshopApplicationStuck firing', () => firing('WorkshopApplicationStuck'), 2 * 60_000, debug);
      const mail = await waitFor(
        'the admin team FIRING email',
        () => mailTo(TEAM_EMAIL.adminTeam, /FIRING/, 'WorkshopApplicationStuck'),
        60_000,
        debug,
      );
      expect(mail.text).toContain('Hamilton Motor Works');
      expect(mail.text).toContain(`Workshop application ${STUCK} has been pending for 48+ hours`);
      expect(mail.text).toContain(`${GRAFANA}/d/workshop-health-scorecard?var-workshop=${STUCK}`);
      expect(smtp.logins.length).toBeGreaterThan(0); // Alertmanager authenticated, which the peer allows only over TLS

      const row = await waitFor(
        'the workshop_alerts row',
        async () => (await history('open')).find((a) => a.alert_type === 'WorkshopApplicationStuck'),
        60_000,
        debug,
      );
      expect(row).toMatchObject({ severity: 'critical', status: 'firing', workshop_id: STUCK });
      // the admin team's action is email: no Slack channel gets it, nor does anyone else's inbox
      expect(sink.received.filter((p) => p.text.includes('WorkshopApplicationStuck'))).toEqual([]);
      expect(smtp.received.filter((m) => m.text.includes('WorkshopApplicationStuck')).flatMap((m) => m.to)).toEqual([
        TEAM_EMAIL.adminTeam,
      ]);
    },
    4 * 60_000,
  );

  it(
    'when the service restarts while the alert fires, then nothing resolves and no second history row is added',
    async () => {
      const port = svc.port;
      await svc.stop();
      svc = await startTestService({ ...serviceEnv(), PORT: String(port) }, proxy.rewrite(dbUrl));
      await svc.aggregator.refresher.refresh();
      // The scrape gap is a few seconds; keep_firing_for (15s here) bridges it. Watch past it, with the new replica up.
      const until = Date.now() + 25_000;
      while (Date.now() < until) {
        expect(await firing('WorkshopApplicationStuck'), debug()).toBe(true);
        await new Promise((r) => setTimeout(r, 1_000));
      }
      expect(mailTo(TEAM_EMAIL.adminTeam, /RESOLVED/, 'WorkshopApplicationStuck')).toBeUndefined();
      const rows = (await history('all')).filter((a) => a.alert_type === 'WorkshopApplicationStuck');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.status).toBe('firing');
    },
    2 * 60_000,
  );

  it(
    'when more than 5 emails failed in the last hour, the tech team is emailed and the critical Slack channel told; the delivery-rate alerts stay quiet',
    async () => {
      // 20 failures: also below 80 % delivery over 20 attempts, which EmailSystemDown inhibits for the same incident
      const failures = Array.from({ length: 20 }, (_, i) =>
        ev('email_approval_failed', {
          workshop_id: EMAILS,
          error_message: 'Resend API error',
          occurred_at: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
        }),
      );
      expect((await postEvents(svc.url, { events: failures })).status).toBe(202);
      await svc.aggregator.refresher.refresh();

      const [message] = await waitFor(
        'the critical Slack message',
        () => slack('critical', 'WorkshopEmailSystemDown').length > 0 && slack('critical', 'WorkshopEmailSystemDown'),
        2 * 60_000,
        debug,
      );
      expect(message!.text).toContain('Email system experiencing high failure rate');
      await waitFor(
        'the tech team email',
        () => mailTo(TEAM_EMAIL.techTeam, /FIRING/, 'WorkshopEmailSystemDown'),
        60_000,
        debug,
      );
      // the delivery-rate alert fires in Prometheus, and Alertmanager holds it back (inhibited by EmailSystemDown)
      await waitFor(
        'WorkshopEmailDeliveryCritical firing',
        () => firing('WorkshopEmailDeliveryCritical'),
        60_000,
        debug,
      );
      const suppressed = await waitFor(
        'WorkshopEmailDeliveryCritical inhibited in Alertmanager',
        async () => {
          const alerts = (await (
            await fetch(`${am.url}/api/v2/alerts?filter=alertname%3D%22WorkshopEmailDeliveryCritical%22`)
          ).json()) as Array<{ status: { state: string; inhibitedBy: string[] } }>;
          return alerts.find((a) => a.status.state === 'suppressed');
        },
        60_000,
        debug,
      );
      expect(suppressed.status.inhibitedBy.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 3_000)); // past the group interval (1s here)
      expect(sink.received.filter((p) => p.text.includes('WorkshopEmailDelivery'))).toEqual([]);
      expect(smtp.received.filter((m) => m.text.includes('WorkshopEmailDelivery'))).toEqual([]);
    },
    4 * 60_000,
  );

  it(
    'when a workshop uses 80% of its capacity with 20 sessions in 30 days, its owner is emailed (by the service), once',
    async () => {
      const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
      const mechanics = Array.from({ length: 4 }, (_, i) =>
        ev('mechanic_invite_accepted', {
          workshop_id: THRIVING,
          mechanic_id: `b2e00000-0000-4000-8000-00000000000${i}`,
          occurred_at: at(20 * DAY - i * HOUR),
          metadata: { invite_id: `c2e00000-0000-4000-8000-00000000000${i}` },
        }),
      );
      const sessions = Array.from({ length: 20 }, (_, i) =>
        ev('session_completed', {
          workshop_id: THRIVING,
          occurred_at: at((i + 1) * DAY),
          metadata: { revenue_cents: 9000 },
        }),
      );
      const events = [
        ev('workshop_signup_success', {
          workshop_id: THRIVING,
          occurred_at: at(40 * DAY),
          metadata: { name: 'Thriving Garage & Sons', city: 'Ottawa', capacity: 5, owner_email: OWNER },
        }),
        ev('workshop_approved', { workshop_id: THRIVING, admin_id: ADMIN, occurred_at: at(39 * DAY) }),
        ...mechanics,
        ...sessions,
      ];
      expect((await postEvents(svc.url, { events })).status).toBe(202);
      await svc.aggregator.refresher.refresh();

      await waitFor('WorkshopThriving firing', () => firing('WorkshopThriving'), 2 * 60_000, debug);
      const mail = await waitFor(
        "the owner's email",
        () => ownerSmtp.received.find((m) => m.to.includes(OWNER)),
        60_000,
        debug,
      );
      expect(mail.text).toContain('Thriving Garage & Sons');
      expect(`${mail.subject}\n${mail.text}`).toContain('Consider increasing mechanic capacity?');
      // the owner's alert reaches no team channel, and Alertmanager's re-deliveries mail the owner only once
      await new Promise((r) => setTimeout(r, 5_000));
      expect(ownerSmtp.received.filter((m) => m.to.includes(OWNER))).toHaveLength(1);
      expect(sink.received.filter((p) => p.text.includes('WorkshopThriving'))).toEqual([]);
      expect(smtp.received.filter((m) => m.text.includes('WorkshopThriving'))).toEqual([]);
    },
    4 * 60_000,
  );

  it(
    'when the application is approved, the admin team gets the RESOLVED email and the history row is resolved',
    async () => {
      const approve = ev('workshop_approved', { workshop_id: STUCK, admin_id: ADMIN });
      expect((await postEvents(svc.url, approve)).status).toBe(202);
      await svc.aggregator.refresher.refresh();

      const mail = await waitFor(
        'the RESOLVED email',
        () => mailTo(TEAM_EMAIL.adminTeam, /RESOLVED/, 'WorkshopApplicationStuck'),
        2 * 60_000,
        debug,
      );
      expect(mail.text).toContain('Hamilton Motor Works');
      const resolved = await waitFor(
        'the resolved workshop_alerts row',
        async () => (await history('resolved')).find((a) => a.alert_type === 'WorkshopApplicationStuck'),
        60_000,
        debug,
      );
      expect(resolved.resolved_at).not.toBeNull();
    },
    4 * 60_000,
  );

  it(
    "the watchdog reaches only the dead man's switch",
    async () => {
      const beats = await waitFor(
        'a heartbeat',
        () => {
          const b = sink.received.filter((p) => p.path === '/heartbeat');
          return b.length >= 1 && b;
        },
        60_000,
        debug,
      );
      expect(beats[0]!.text).toContain('WorkshopAnalyticsWatchdog');
      expect(sink.received.filter((p) => p.path !== '/heartbeat' && p.text.includes('Watchdog'))).toEqual([]);
      expect(smtp.received.filter((m) => m.text.includes('Watchdog'))).toEqual([]);
      expect((await history('all')).filter((a) => a.alert_type === 'WorkshopAnalyticsWatchdog')).toEqual([]);
    },
    2 * 60_000,
  );

  it(
    'when PostgreSQL cannot be reached, WorkshopAnalyticsDatabaseDown pages the tech team',
    async () => {
      await proxy.cut();
      try {
        await waitFor(
          'WorkshopAnalyticsDatabaseDown firing',
          // The probe runs every 15 s on the service's schedule (tested with a fake clock); test services run
          // their jobs by hand, so the test runs it.
          async () => (await svc.aggregator.databaseProbe.probe()) === false && firing('WorkshopAnalyticsDatabaseDown'),
          2 * 60_000,
          debug,
        );
        const [message] = await waitFor(
          'the critical Slack message',
          () =>
            slack('critical', 'WorkshopAnalyticsDatabaseDown').length > 0 &&
            slack('critical', 'WorkshopAnalyticsDatabaseDown'),
          60_000,
          debug,
        );
        expect(message!.text).toContain('cannot reach PostgreSQL');
        await waitFor(
          'the tech team email',
          () => mailTo(TEAM_EMAIL.techTeam, /FIRING/, 'WorkshopAnalyticsDatabaseDown'),
          60_000,
          debug,
        );
      } finally {
        await proxy.restore();
      }
    },
    4 * 60_000,
  );
});
