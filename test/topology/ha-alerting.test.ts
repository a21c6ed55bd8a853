/**
 * The production topology as real processes on loopback: PostgreSQL, two ingest replicas (AGGREGATOR_MODE=off)
 * behind HAProxy, one aggregator (AGGREGATOR_MODE=only), an HA pair of Prometheus servers (the project's rules, an
 * external `replica` label dropped from alerts) both sending to a two-peer Alertmanager cluster, and an SMTP and an
 * HTTP webhook peer as receivers. Beside it, one service process with its own Prometheus as the reference: the same
 * events must fire the same alerts there.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded-postgres.js';
import { createTestDatabase } from '../support/database.js';
import { ev } from '../support/events.js';
import { until200 } from '../support/sdk-load.js';
import { WEBHOOK_TOKEN, postEvents, startTestService } from '../support/service.js';
import { killAll } from '../support/service-process.js';
import {
  ROOT,
  TEAM_EMAIL,
  selfSignedCert,
  startAlertmanager,
  startHttpSink,
  startPrometheus,
  startSmtpSink,
  waitFor,
  type AlertmanagerPeers,
  type Mail,
  type Posted,
  type Proc,
  type Sink,
} from '../e2e/support/stack.js';
import { startHaproxy } from './support/haproxy.js';
import { startReplica, type Replica } from './support/replicas.js';

afterAll(killAll);

const STUCK = 'a3e00000-0000-4000-8000-000000000001';
const EMAILS = 'a3e00000-0000-4000-8000-000000000002';
const STUCK_AFTER_AM_KILL = 'a3e00000-0000-4000-8000-000000000003';
const STUCK_AFTER_PROM_KILL = 'a3e00000-0000-4000-8000-000000000004';
const HOUR = 3_600_000;
/** After a first notification, how long to watch for a second: two peer timeouts (3s), group intervals, resends. */
const QUIET_MS = 10_000;

type PromAlert = { labels: Record<string, string>; state: string };

/** The KPI alerts (the scenario's subject), by name, read from the rule file. */
const KPI_ALERTS: ReadonlySet<string> = new Set(
  (
    YAML.parse(readFileSync(path.join(ROOT, 'prometheus/alerts/workshop-kpis.alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string }> }>;
    }
  ).groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))),
);

/** A stuck application: signed up 49 h ago, never decided. */
const stuck = (workshop: string) =>
  ev('workshop_signup_success', {
    workshop_id: workshop,
    occurred_at: new Date(Date.now() - 49 * HOUR).toISOString(),
    metadata: { name: `Garage ${workshop.slice(-4)}`, city: 'Hamilton' },
  });

/** The scenario: one stuck application and 20 failed approval emails in the last hour (one event per request). */
const scenario = () => [
  stuck(STUCK),
  ...Array.from({ length: 20 }, (_, i) =>
    ev('email_approval_failed', {
      workshop_id: EMAILS,
      error_message: 'Resend API error',
      occurred_at: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
    }),
  ),
];

/**
 * Expected, worked out by hand from the rules: 49 h pending > 48 h; 20 failures in the hour > 5; 0 of 20 emails in
 * 24 h delivered is below 80 % and 95 % with the 20-email minimum sample.
 */
const EXPECTED = [
  { alertname: 'WorkshopApplicationStuck', workshop_id: STUCK },
  { alertname: 'WorkshopEmailSystemDown', kpi: 'email_failures' },
  { alertname: 'WorkshopEmailDeliveryCritical', kpi: 'email_delivery' },
  { alertname: 'WorkshopEmailDeliveryDegraded', kpi: 'email_delivery' },
];

async function promQuery(prom: Proc, q: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  return r.data.result.map((x) => ({ metric: x.metric, value: Number(x.value[1]) }));
}

/** The firing KPI alerts of a Prometheus, as sorted JSON of their labels without the target's (instance, job). */
async function firingKpiAlerts(prom: Proc): Promise<string[]> {
  const r = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: PromAlert[] } };
  const keys = r.data.alerts
    .filter((a) => a.state === 'firing' && KPI_ALERTS.has(a.labels.alertname!))
    .map(({ labels: { instance: _i, job: _j, replica: _r, ...rest } }) =>
      JSON.stringify(Object.fromEntries(Object.entries(rest).sort())),
    );
  return [...new Set(keys)].sort();
}

describe('the replicated topology: 2 ingest replicas, HAProxy, an aggregator, 2 Prometheus, 2 Alertmanagers', () => {
  let dbUrl: string;
  let ingest: Replica[] = [];
  let aggregator: Replica | undefined;
  let lb: Proc | undefined;
  let sink: Sink<Posted>;
  let smtp: Sink<Mail> & { port: number };
  const ams: Proc[] = [];
  const proms: Proc[] = [];
  let amPeers: AlertmanagerPeers;
  const amSetup: Array<{ port: number; clusterPort: number; dataDir: string }> = [];
  let reference: { svc: Awaited<ReturnType<typeof startTestService>>; prom: Proc } | undefined;
  const sent = scenario();

  const debug = () =>
    [...proms.map((p, i) => `--- prometheus ${i}\n${p.output().slice(-2000)}`)]
      .concat(ams.map((a, i) => `--- alertmanager ${i}\n${a.output().slice(-2000)}`))
      .join('\n');

  /** FIRING emails to the admin team about `workshop`'s stuck application. */
  const stuckMails = (workshop: string) =>
    smtp.received.filter(
      (m) =>
        m.to.includes(TEAM_EMAIL.adminTeam) &&
        /FIRING/.test(m.subject) &&
        m.text.includes('WorkshopApplicationStuck') &&
        m.text.includes(workshop),
    );
  /** Firing notifications of the alert history webhook for the group (alertname, workshop_id). */
  const historyPosts = (alertname: string, workshop?: string) =>
    sink.received.filter((p) => {
      const b = p.body as { status?: string; groupLabels?: Record<string, string> };
      return (
        p.path === '/history' &&
        b.status === 'firing' &&
        b.groupLabels?.alertname === alertname &&
        (workshop === undefined || b.groupLabels?.workshop_id === workshop)
      );
    });
  const amAlerts = async (am: Proc, alertname: string) =>
    (await (
      await fetch(`${am.url}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`)
    ).json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
  const clusterSize = async (am: Proc) =>
    ((await (await fetch(`${am.url}/api/v2/status`)).json()) as { cluster: { peers: unknown[] } }).cluster.peers.length;

  const startAm = async (i: number) => {
    const me = amSetup[i]!;
    const other = amSetup[1 - i]!;
    ams[i] = await startAlertmanager(amPeers, {
      port: me.port,
      dataDir: me.dataDir,
      cluster: { listenPort: me.clusterPort, peers: [other.clusterPort] },
    });
  };
  const startProm = async (i: number) => {
    proms[i] = await startPrometheus({
      service: ingest.map((r) => r.url),
      aggregator: [aggregator!.url],
      alertmanager: ams.map((a) => a.url),
      replica: ['a', 'b'][i]!,
    });
  };
  /** The aggregator restarts: its start-up gauge refresh reads events posted since (instead of the next minute's). */
  const restartAggregator = async () => {
    await aggregator!.stop();
    await aggregator!.start();
  };

  beforeAll(async () => {
    const tls = selfSignedCert();
    sink = await startHttpSink();
    smtp = await startSmtpSink({ ...tls, username: 'alertmanager', password: 'topology-relay-password' });
    amPeers = {
      sinkUrl: sink.url,
      smtp: { port: smtp.port, username: 'alertmanager', password: 'topology-relay-password', caFile: tls.cert },
      webhookUrl: `${sink.url}/history`,
      webhookToken: WEBHOOK_TOKEN,
      grafanaUrl: 'https://grafana.topology.test',
    };
    dbUrl = await createTestDatabase();
    ingest = await Promise.all([startReplica('ingest', dbUrl), startReplica('ingest', dbUrl)]);
    lb = await startHaproxy(ingest.map((r) => r.port));
    await until200(`${lb.url}/readyz`);
    // the scenario through the load balancer, one event a request (it spreads them over both replicas)
    for (const e of sent) expect((await postEvents(lb.url, { events: [e] })).status).toBe(202);
    aggregator = await startReplica('aggregator', dbUrl, { env: { SHUTDOWN_DELAY_SECONDS: '0' } });

    for (let i = 0; i < 2; i++)
      amSetup.push({
        port: await freePort(),
        clusterPort: await freePort(),
        dataDir: mkdtempSync(path.join(os.tmpdir(), 'wa-topology-am-')),
      });
    await startAm(0);
    await startAm(1);
    await waitFor('a two-peer Alertmanager cluster', async () => (await clusterSize(ams[0]!)) === 2, 30_000, debug);
    await startProm(0);
    await startProm(1);

    // the reference: one process (aggregating inline) and one Prometheus with the same rules, the same events
    const svc = await startTestService();
    for (const e of sent) expect((await postEvents(svc.url, { events: [e] })).status).toBe(202);
    await svc.aggregator.refresher.refresh();
    reference = { svc, prom: await startPrometheus({ service: svc.url, alertmanager: [] }) };
  }, 180_000);

  afterAll(async () => {
    await Promise.all([...proms, ...ams, reference?.prom].map((p) => p?.stop()));
    await reference?.svc.stop();
    await lb?.stop();
    await Promise.all([...ingest, aggregator].map((r) => r?.stop()));
    await sink?.stop();
    await smtp?.stop();
  });

  it('the scenario split across the two replicas fires the same alerts as one process, and the replicas count every event', async () => {
    const expected = EXPECTED.map((l) => JSON.stringify(l));
    const has = (keys: string[]) =>
      expected.every((e) => keys.some((k) => Object.entries(JSON.parse(e)).every(([n, v]) => JSON.parse(k)[n] === v)));
    for (const p of [...proms, reference!.prom])
      await waitFor('the expected alerts firing', async () => has(await firingKpiAlerts(p)), 90_000, debug);
    await new Promise((r) => setTimeout(r, 8_000)); // past `for:` (5s), so anything else pending fires too
    const [a, b, one] = await Promise.all([...proms, reference!.prom].map(firingKpiAlerts));
    expect(a).toEqual(one);
    expect(b).toEqual(one);

    // every replica took part, and the sum over the replicas is what was sent
    const perReplica = await promQuery(
      proms[0]!,
      'sum by (instance) (workshop_events_total{job="workshop-analytics"})',
    );
    expect(perReplica).toHaveLength(2);
    expect(perReplica.every((r) => r.value > 0)).toBe(true);
    const [total] = await promQuery(proms[0]!, 'sum(workshop_events_total)');
    expect(total!.value).toBe(sent.length);

    // the closing note's figures: series and scrape time per process (one scrape each, as Prometheus measured it)
    const series = await promQuery(proms[0]!, 'scrape_samples_scraped{job=~"workshop-analytics.*"}');
    const took = await promQuery(proms[0]!, 'scrape_duration_seconds{job=~"workshop-analytics.*"}');
    for (const s of series) {
      const d = took.find((t) => t.metric.instance === s.metric.instance)?.value ?? NaN;
      console.log(
        `topology: ${s.metric.job} ${s.metric.instance}: ${s.value} samples per scrape, scrape ` +
          `${(d * 1000).toFixed(1)} ms`,
      );
    }
    console.log(`topology: firing KPI alerts (2 replicas = 1 process): ${one!.join(' ')}`);
  }, 150_000);

  it('each alert is notified exactly once per receiver although two Prometheus servers and two Alertmanager peers run', async () => {
    // both Prometheus servers send to both peers
    for (const p of proms) {
      const r = (await (await fetch(`${p.url}/api/v1/alertmanagers`)).json()) as {
        data: { activeAlertmanagers: unknown[] };
      };
      expect(r.data.activeAlertmanagers).toHaveLength(2);
    }
    await waitFor('the admin team email', () => stuckMails(STUCK).length > 0, 60_000, debug);
    await waitFor('the history webhook', () => historyPosts('WorkshopApplicationStuck', STUCK).length > 0, 60_000);
    const critical = () => sink.received.filter((p) => p.path === '/slack/critical' && p.text.includes('SystemDown'));
    await waitFor('the critical Slack message', () => critical().length > 0, 60_000, debug);
    const techMails = () =>
      smtp.received.filter(
        (m) => m.to.includes(TEAM_EMAIL.techTeam) && /FIRING/.test(m.subject) && m.text.includes('EmailSystemDown'),
      );
    await waitFor('the tech team email', () => techMails().length > 0, 60_000, debug);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const counts = {
      adminEmail: stuckMails(STUCK).length,
      history: historyPosts('WorkshopApplicationStuck', STUCK).length,
      techEmail: techMails().length,
      criticalSlack: critical().length,
      historySystemDown: historyPosts('WorkshopEmailSystemDown').length,
    };
    console.log(`topology: notifications with 2 Prometheus + 2 Alertmanager peers: ${JSON.stringify(counts)}`);
    // (with the two peers not joined in a cluster, every one of these is 2: each peer notifies on its own)
    expect(counts).toEqual({ adminEmail: 1, history: 1, techEmail: 1, criticalSlack: 1, historySystemDown: 1 });
    // each peer holds one alert, not one per Prometheus: the replica label was dropped before sending
    for (const am of ams) {
      const alerts = (await amAlerts(am, 'WorkshopApplicationStuck')).filter((a) => a.labels.workshop_id === STUCK);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.labels).not.toHaveProperty('replica');
    }
  }, 120_000);

  /**
   * A new stuck application (posted through the load balancer, read by the aggregator's start-up refresh):
   * waits for its admin team email and history webhook post, watches QUIET_MS for more, and returns both counts.
   */
  const notifyNewStuck = async (workshop: string) => {
    expect((await postEvents(lb!.url, { events: [stuck(workshop)] })).status).toBe(202);
    await restartAggregator();
    await waitFor('the admin team email', () => stuckMails(workshop).length > 0, 90_000, debug);
    await waitFor('the history webhook', () => historyPosts('WorkshopApplicationStuck', workshop).length, 30_000);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    return {
      adminEmail: stuckMails(workshop).length,
      history: historyPosts('WorkshopApplicationStuck', workshop).length,
    };
  };

  it('when one Alertmanager peer is killed, a new alert is still notified exactly once', async () => {
    await ams[1]!.kill();
    const counts = await notifyNewStuck(STUCK_AFTER_AM_KILL);
    console.log(`topology: notifications with one Alertmanager peer killed: ${JSON.stringify(counts)}`);
    expect(counts).toEqual({ adminEmail: 1, history: 1 });

    // the peer comes back (its address, its data) and rejoins; nothing already notified is sent again (next test)
    await startAm(1);
    await waitFor('the cluster whole again', async () => (await clusterSize(ams[0]!)) === 2, 30_000, debug);
  }, 150_000);

  it('when one Prometheus server is killed, a new alert is still notified exactly once', async () => {
    await proms[0]!.kill();
    const counts = {
      ...(await notifyNewStuck(STUCK_AFTER_PROM_KILL)),
      // the rejoined Alertmanager peer re-sent nothing that was notified before its crash
      earlierAdminEmails: [STUCK, STUCK_AFTER_AM_KILL].map((w) => stuckMails(w).length),
    };
    console.log(`topology: notifications with one Prometheus server killed: ${JSON.stringify(counts)}`);
    expect(counts).toEqual({ adminEmail: 1, history: 1, earlierAdminEmails: [1, 1] });
  }, 150_000);
});
