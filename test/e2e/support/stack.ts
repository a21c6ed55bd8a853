/**
 * Real Prometheus and Alertmanager (Debian packages) on loopback, started from the project's own config files
 * with test-only overrides (ports, intervals, receiver URLs, secret files) — rules are used as they are, but for
 * keep_firing_for, shortened to 15s (a resolution would otherwise take 10 more minutes; promtool tests cover it) —
 * plus a Slack-compatible webhook sink and an SMTP server as notification peers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import YAML from 'yaml';
import { freePort } from '../../../src/db/embedded-postgres.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface Proc {
  url: string;
  output: () => string;
  stop(): Promise<void>;
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

async function startProc(cmd: string, args: string[], readyPath: string, port: number): Promise<Proc> {
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
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await once(proc, 'exit');
      clearTimeout(t);
    },
  };
}

/** Walks a YAML value, calling `fn` on every object (for overriding receiver settings wherever they are). */
function walk(v: unknown, fn: (o: Record<string, unknown>) => void) {
  if (Array.isArray(v)) v.forEach((x) => walk(x, fn));
  else if (v && typeof v === 'object') {
    fn(v as Record<string, unknown>);
    Object.values(v).forEach((x) => walk(x, fn));
  }
}

export interface AlertmanagerPeers {
  slackUrl: string;
  smtpPort: number;
  webhookUrl: string;
  webhookToken: string;
}

export async function startAlertmanager(peers: AlertmanagerPeers): Promise<Proc> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-am-'));
  const cfgPath = path.join(ROOT, 'prometheus/alertmanager/alertmanager.yml');
  const cfg = YAML.parse(readFileSync(cfgPath, 'utf8'));
  const slackFile = path.join(dir, 'slack-url');
  const tokenFile = path.join(dir, 'webhook-token');
  const smtpPassFile = path.join(dir, 'smtp-password');
  writeFileSync(slackFile, peers.slackUrl);
  writeFileSync(tokenFile, peers.webhookToken);
  writeFileSync(smtpPassFile, 'unused');
  cfg.global = { ...cfg.global, smtp_smarthost: `127.0.0.1:${peers.smtpPort}`, smtp_require_tls: false };
  if (cfg.global.slack_api_url_file) cfg.global.slack_api_url_file = slackFile;
  if (cfg.global.smtp_auth_password_file) cfg.global.smtp_auth_password_file = smtpPassFile;
  delete cfg.global.smtp_auth_username;
  delete cfg.global.smtp_auth_password_file;
  cfg.templates = (cfg.templates ?? []).map((t: string) =>
    path.resolve(path.dirname(cfgPath), t.replace(/^\/etc\/alertmanager\//, '')),
  );
  walk(cfg.receivers, (o) => {
    if ('api_url_file' in o || 'api_url' in o) {
      delete o.api_url;
      o.api_url_file = slackFile;
    }
    if ('smarthost' in o) o.smarthost = `127.0.0.1:${peers.smtpPort}`;
    if ('require_tls' in o) o.require_tls = false;
    if ('auth_password_file' in o) {
      delete o.auth_password_file;
      delete o.auth_username;
    }
    if (o.url && typeof o.url === 'string' && o.url.includes('/api/alerts/webhook')) o.url = peers.webhookUrl;
    if (o.credentials_file) o.credentials_file = tokenFile;
  });
  walk(cfg.route, (o) => {
    if ('group_wait' in o || o === cfg.route) o.group_wait = '1s';
    if ('group_interval' in o || o === cfg.route) o.group_interval = '1s';
  });
  const file = path.join(dir, 'alertmanager.yml');
  writeFileSync(file, YAML.stringify(cfg));
  const port = await freePort();
  return startProc(
    'prometheus-alertmanager',
    [
      `--config.file=${file}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    '/-/ready',
    port,
  );
}

export async function startPrometheus(targets: { service: string; alertmanager: string }): Promise<Proc> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-prom-'));
  const cfgPath = path.join(ROOT, 'prometheus/prometheus.yml');
  const cfg = YAML.parse(readFileSync(cfgPath, 'utf8'));
  const port = await freePort();
  cfg.global = { ...cfg.global, scrape_interval: '1s', evaluation_interval: '1s' };
  // rule files as they are, copied with keep_firing_for shortened (see the file comment)
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
      writeFileSync(copy, text.replace(/^(\s+keep_firing_for:) \S+$/gm, '$1 15s'));
      return copy;
    });
  });
  const hostOf = (u: string) => new URL(u).host;
  cfg.scrape_configs = (cfg.scrape_configs ?? []).map((sc: Record<string, unknown>) => {
    const target =
      sc.job_name === 'workshop-analytics'
        ? hostOf(targets.service)
        : sc.job_name === 'alertmanager'
          ? hostOf(targets.alertmanager)
          : `127.0.0.1:${port}`;
    // prometheus.yml's credentials_file is relative to it (the repository's placeholder: test services want no token)
    const auth = sc.authorization as { credentials_file?: string } | undefined;
    const authorization = auth?.credentials_file
      ? { ...auth, credentials_file: path.resolve(path.dirname(cfgPath), auth.credentials_file) }
      : auth;
    return { ...sc, ...(authorization ? { authorization } : {}), static_configs: [{ targets: [target] }] };
  });
  cfg.alerting = { alertmanagers: [{ static_configs: [{ targets: [hostOf(targets.alertmanager)] }] }] };
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

/** A Slack-compatible incoming webhook: records JSON bodies, answers "ok". */
export async function startSlackSink(): Promise<Sink<Record<string, unknown>>> {
  const received: Array<Record<string, unknown>> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`,
    received,
    stop: () => new Promise((r) => server.close(() => r())),
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

/** Decodes RFC 2047 encoded-words in a header (mailers Q- or B-encode non-ASCII subjects). */
export const decodeHeader = (h: string) =>
  h.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9a-f]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );

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

/** A real SMTP server (smtp-server package) that keeps every message. */
export async function startSmtpSink(): Promise<Sink<Mail> & { port: number }> {
  const received: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        const subject = decodeHeader(
          /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(raw)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '',
        );
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
  return { url: `smtp://127.0.0.1:${port}`, port, received, stop: () => new Promise((r) => server.close(() => r())) };
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
