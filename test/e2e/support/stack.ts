/**
 * Real Prometheus and Alertmanager (Debian packages) on loopback, started from the project's own config files
 * with test-only overrides (ports, intervals, peers' addresses) — rules are used as they are, but for their `for:`
 * (shortened to 5s) and keep_firing_for (15s): the promtool tests prove both durations exactly, and waiting them out
 * here (up to an hour for WorkshopThriving) would prove nothing more — plus an HTTP sink (Slack channels, the
 * heartbeat) and an SMTP server (STARTTLS and AUTH, like a production relay) as notification peers.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import YAML from 'yaml';
import { renderAlertmanagerConfig, renderLinksTemplate } from '../../../scripts/alertmanager/render.js';
import { settingsFromEnv } from '../../../scripts/alertmanager/settings.js';
import { subjectOf } from '../../../scripts/stack/mail-catcher.js';
import { freePort } from '../../../src/db/embedded-postgres.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
/** Every rule's `for:` in the e2e Prometheus. */
export const FOR = '5s';

export interface Proc {
  url: string;
  output: () => string;
  /** SIGTERM (SIGKILL after 5 s); resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash; resolves once it has exited. */
  kill(): Promise<void>;
}

async function waitReady(url: string, proc: ChildProcess, out: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`process exited (${proc.exitCode}): ${out()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready at ${url}: ${out()}`);
}

export async function startProc(cmd: string, args: string[], readyPath: string, port: number): Promise<Proc> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => (log = (log + d).slice(-20_000)));
  proc.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url + readyPath, proc, () => log);
  return {
    url,
    output: () => log,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await once(proc, 'exit');
      clearTimeout(t);
    },
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await once(proc, 'exit');
    },
  };
}

export interface AlertmanagerPeers {
  /** Base URL of an HTTP sink: each Slack channel posts to <base>/slack/<channel>, the heartbeat to <base>/heartbeat. */
  sinkUrl: string;
  /** The SMTP peer: STARTTLS with a certificate `caFile` verifies, and AUTH with this user and password. */
  smtp: { port: number; username: string; password: string; caFile: string };
  webhookUrl: string;
  webhookToken: string;
  grafanaUrl: string;
}

/** The addresses the e2e Alertmanager mails (its settings' teams). */
export const TEAM_EMAIL = {
  adminTeam: 'admins@workshop.test',
  techTeam: 'tech@workshop.test',
  accountManager: 'am@workshop.test',
};

/** An Alertmanager cluster member: its gossip port and the peers it joins (none: it waits to be joined). */
export interface AlertmanagerCluster {
  listenPort: number;
  peers: readonly number[];
}

/**
 * Alertmanager configured by the project's render step (`npm run render:alertmanager`, scripts/alertmanager/)
 * exactly as shipped — TLS and authentication to the SMTP server, one Slack webhook file per channel, the heartbeat
 * URL from a file — with the peers' addresses as settings. Only the group timings are shortened. Alone (HA off)
 * unless `cluster` is given: then it gossips on 127.0.0.1 with test-short timings (peer timeout 3s, gossip 100ms,
 * state sync 1s, settle 10s at most). `dataDir` and `port` keep its state and address across a restart.
 */
export async function startAlertmanager(
  peers: AlertmanagerPeers,
  opts: { cluster?: AlertmanagerCluster; dataDir?: string; port?: number } = {},
): Promise<Proc> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-am-'));
  const secret = (name: string, value: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, value);
    return file;
  };
  const settings = settingsFromEnv({
    GRAFANA_URL: peers.grafanaUrl,
    ALERT_EMAIL_FROM: 'alerts@workshop.test',
    ALERT_EMAIL_ADMIN_TEAM: TEAM_EMAIL.adminTeam,
    ALERT_EMAIL_TECH_TEAM: TEAM_EMAIL.techTeam,
    ALERT_EMAIL_ACCOUNT_MANAGER: TEAM_EMAIL.accountManager,
    ALERT_SMTP_SMARTHOST: `127.0.0.1:${peers.smtp.port}`,
    ALERT_SMTP_REQUIRE_TLS: 'true',
    ALERT_SMTP_USERNAME: peers.smtp.username,
    ALERT_SMTP_PASSWORD_FILE: secret('smtp-password', peers.smtp.password),
    ALERT_SMTP_CA_FILE: peers.smtp.caFile,
    ALERT_SLACK_CRITICAL_URL_FILE: secret('slack-critical', `${peers.sinkUrl}/slack/critical`),
    ALERT_SLACK_ADMIN_URL_FILE: secret('slack-admin', `${peers.sinkUrl}/slack/admin`),
    ALERT_SLACK_WINS_URL_FILE: secret('slack-wins', `${peers.sinkUrl}/slack/wins`),
    ALERT_HISTORY_WEBHOOK_URL: peers.webhookUrl,
    ALERT_HISTORY_WEBHOOK_TOKEN_FILE: secret('webhook-token', peers.webhookToken),
    ALERT_HEARTBEAT_URL_FILE: secret('heartbeat-url', `${peers.sinkUrl}/heartbeat`),
  });
  const cfg = YAML.parse(renderAlertmanagerConfig(settings));
  const shorten = (route: Record<string, unknown>) => {
    route.group_wait = '1s';
    route.group_interval = '1s';
    ((route.routes as Array<Record<string, unknown>> | undefined) ?? []).forEach(shorten);
  };
  shorten(cfg.route);
  cpSync(path.join(ROOT, 'prometheus/alertmanager/templates'), path.join(dir, 'templates'), { recursive: true });
  writeFileSync(path.join(dir, 'links.tmpl'), renderLinksTemplate(settings));
  const file = path.join(dir, 'alertmanager.yml');
  writeFileSync(file, YAML.stringify(cfg));
  const port = opts.port ?? (await freePort());
  const { cluster } = opts;
  const clusterArgs = cluster
    ? [
        `--cluster.listen-address=127.0.0.1:${cluster.listenPort}`,
        `--cluster.advertise-address=127.0.0.1:${cluster.listenPort}`,
        ...cluster.peers.map((p) => `--cluster.peer=127.0.0.1:${p}`),
        '--cluster.peer-timeout=3s',
        '--cluster.gossip-interval=100ms',
        '--cluster.pushpull-interval=1s',
        '--cluster.probe-interval=500ms',
        '--cluster.reconnect-interval=1s',
        '--cluster.settle-timeout=10s',
      ]
    : ['--cluster.listen-address='];
  return startProc(
    'prometheus-alertmanager',
    [
      `--config.file=${file}`,
      `--storage.path=${opts.dataDir ?? path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      ...clusterArgs,
    ],
    '/-/ready',
    port,
  );
}

/** A self-signed certificate for 127.0.0.1 (openssl): key, cert, and the cert as its own CA. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-tls-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', key].concat([
      '-out',
      cert,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]),
    { stdio: 'ignore' },
  );
  return { key, cert };
}

/**
 * Where a test Prometheus scrapes and sends: the service (job workshop-analytics: one URL or every ingest replica),
 * the aggregator processes (job workshop-analytics-aggregator, added beside the service's job when prometheus.yml
 * has none; left out without any: one inline process is scraped once, as workshop-analytics), and the Alertmanagers
 * it notifies (none: no alerting); service discovery becomes these static loopback targets. `replica` makes it
 * one of an HA pair: an `external_labels` replica label, which alert_relabel_configs drop (prometheus.yml's own,
 * else a labeldrop) so Alertmanager sees the pair's alerts as one.
 */
export interface PrometheusTargets {
  service: string | readonly string[];
  aggregator?: readonly string[];
  alertmanager: string | readonly string[];
  replica?: string;
}

export const AGGREGATOR_JOB = 'workshop-analytics-aggregator';

export async function startPrometheus(targets: PrometheusTargets): Promise<Proc> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-prom-'));
  const cfgPath = path.join(ROOT, 'prometheus/prometheus.yml');
  const cfg = YAML.parse(readFileSync(cfgPath, 'utf8'));
  const port = await freePort();
  cfg.global = { ...cfg.global, scrape_interval: '1s', evaluation_interval: '1s' };
  if (targets.replica) cfg.global.external_labels = { ...cfg.global.external_labels, replica: targets.replica };
  // rule files as they are, copied with for and keep_firing_for shortened (see the file comment)
  mkdirSync(path.join(dir, 'rules'));
  cfg.rule_files = (cfg.rule_files ?? []).flatMap((f: string) => {
    const glob = path.resolve(path.dirname(cfgPath), f.replace(/^\/etc\/prometheus\//, ''));
    const base = path.basename(glob);
    const names = base.includes('*')
      ? readdirSync(path.dirname(glob)).filter((n) => n.endsWith(base.slice(base.indexOf('*') + 1)))
      : [base];
    return names.map((n) => {
      const copy = path.join(dir, 'rules', `${path.basename(path.dirname(glob))}-${n}`);
      const text = readFileSync(path.join(path.dirname(glob), n), 'utf8');
      writeFileSync(
        copy,
        text.replace(/^(\s+keep_firing_for:) \S+$/gm, '$1 15s').replace(/^(\s+for:) \S+$/gm, `$1 ${FOR}`),
      );
      return copy;
    });
  });
  const hosts = (u: string | readonly string[] | undefined) =>
    (typeof u === 'string' ? [u] : (u ?? [])).map((x) => new URL(x).host);
  const jobs = (cfg.scrape_configs ?? []) as Array<Record<string, unknown>>;
  if (targets.aggregator && !jobs.some((sc) => sc.job_name === AGGREGATOR_JOB)) {
    const service = jobs.find((sc) => sc.job_name === 'workshop-analytics');
    if (service) jobs.push({ ...service, job_name: AGGREGATOR_JOB });
  }
  cfg.scrape_configs = jobs.flatMap((sc) => {
    const job = sc.job_name;
    const found =
      job === 'workshop-analytics'
        ? hosts(targets.service)
        : job === AGGREGATOR_JOB
          ? hosts(targets.aggregator)
          : job === 'alertmanager'
            ? hosts(targets.alertmanager)
            : [`127.0.0.1:${port}`];
    if (found.length === 0) return [];
    // prometheus.yml's credentials_file is relative to it (the repository's placeholder: test services want no token)
    const auth = sc.authorization as { credentials_file?: string } | undefined;
    const authorization = auth?.credentials_file
      ? { ...auth, credentials_file: path.resolve(path.dirname(cfgPath), auth.credentials_file) }
      : auth;
    // service discovery (dns_sd_configs in the compose stack) becomes the test's static loopback targets
    const { dns_sd_configs: _dns, static_configs: _static, ...rest } = sc;
    return [{ ...rest, ...(authorization ? { authorization } : {}), static_configs: [{ targets: found }] }];
  });
  const alertmanagers = hosts(targets.alertmanager);
  const relabel =
    cfg.alerting?.alert_relabel_configs ?? (targets.replica ? [{ action: 'labeldrop', regex: 'replica' }] : undefined);
  cfg.alerting = alertmanagers.length
    ? {
        ...(relabel ? { alert_relabel_configs: relabel } : {}),
        alertmanagers: [{ static_configs: [{ targets: alertmanagers }] }],
      }
    : undefined;
  const file = path.join(dir, 'prometheus.yml');
  writeFileSync(file, YAML.stringify(cfg));
  return startProc(
    'prometheus',
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    '/-/ready',
    port,
  );
}

export interface Sink<T> {
  url: string;
  received: T[];
  stop(): Promise<void>;
}

export interface Posted {
  /** The request path: /slack/<channel> or /heartbeat. */
  path: string;
  /** The JSON body. */
  body: Record<string, unknown>;
  /** The body as text, for searching. */
  text: string;
}

/** Slack-compatible incoming webhooks (one path per channel) and the heartbeat: records each POST, answers "ok". */
export async function startHttpSink(): Promise<Sink<Posted>> {
  const received: Posted[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: text ? JSON.parse(text) : {}, text });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

/** One Slack-compatible incoming webhook: the JSON bodies posted to it. */
export async function startSlackSink(): Promise<Sink<Record<string, unknown>>> {
  const sink = await startHttpSink();
  return {
    url: `${sink.url}/services/T000/B000/XXXX`,
    get received() {
      return sink.received.map((p) => p.body);
    },
    stop: sink.stop,
  };
}

export interface Mail {
  from: string;
  to: string[];
  /** Decoded Subject header. */
  subject: string;
  raw: string;
  /** The message text with quoted-printable or base64 transfer encoding undone. */
  text: string;
}

/** Undoes quoted-printable / base64 transfer encodings: of the body, or of every part of a multipart message. */
export function decodeBody(raw: string): string {
  const qp = (t: string) =>
    Buffer.from(
      t.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  const split = (entity: string) => {
    const m = /\r?\n\r?\n/.exec(entity);
    return m
      ? { head: entity.slice(0, m.index), body: entity.slice(m.index + m[0].length) }
      : { head: entity, body: '' };
  };
  const decode = (entity: string): string => {
    const { head, body } = split(entity);
    const boundary = /content-type:\s*multipart\/[^;]+;[^]*?boundary="?([^"\r\n;]+)"?/i.exec(head)?.[1];
    if (boundary)
      return body
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((part) => decode(part.replace(/^\r?\n/, '')))
        .join('\n');
    const cte = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
    return cte === 'quoted-printable'
      ? qp(body)
      : cte === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  };
  return decode(raw);
}

/**
 * A real SMTP server (smtp-server package) that keeps every message. Plain by default; with `secure`, it offers
 * STARTTLS with that certificate and accepts mail only after AUTH (over TLS) with that user and password.
 */
export async function startSmtpSink(secure?: {
  key: string;
  cert: string;
  username: string;
  password: string;
}): Promise<Sink<Mail> & { port: number; logins: string[] }> {
  const received: Mail[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    ...(secure
      ? {
          key: readFileSync(secure.key),
          cert: readFileSync(secure.cert),
          authMethods: ['PLAIN', 'LOGIN'],
          onAuth(auth, session, cb) {
            if (!session.secure) return cb(new Error('TLS first'));
            if (auth.username !== secure.username || auth.password !== secure.password)
              return cb(new Error('bad credentials'));
            logins.push(auth.username!);
            cb(null, { user: auth.username });
          },
        }
      : { authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] }),
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        const subject = subjectOf(raw);
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject,
          raw,
          text: decodeBody(raw),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    logins,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  debug: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${debug()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
