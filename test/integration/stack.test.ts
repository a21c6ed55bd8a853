/**
 * `npm run stack` as a developer runs it: package.json's command (tsx scripts/stack.ts) as a process in its own
 * group, with a fresh DATA_DIR (its own embedded PostgreSQL) and free loopback ports. It must bring up the service,
 * the real Prometheus with the project's rules and the real Alertmanager with the rendered configuration, deliver
 * an alert posted to Alertmanager to the mail catcher (and the service's alert history), listen on 127.0.0.1 only,
 * and stop everything on SIGTERM with exit 0. Anything left (a failed test) is killed with its group in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOptionalTools } from '../../scripts/stack/optional-tools.js';
import { freePort } from '../../src/db/embedded-postgres.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STACK_SCRIPT = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { stack: string } }
).scripts.stack;

/** Variables of the runner's environment that would change what the stack or its service does. */
const DROPPED =
  /^(PORT|HOST|DATABASE_URL|DATABASE_MIGRATION_URL|DATA_DIR|.*_TOKENS|METRICS_PORT|OTEL_.*|AGGREGATOR_MODE|ALERT_.*|GRAFANA_URL|DIGEST_.*|OWNER_EMAIL_.*|ACCOUNT_MANAGER_EMAIL|PROMETHEUS_PORT|ALERTMANAGER_PORT|STACK_.*)$/;

let child: ChildProcess | undefined;
let dataDir = '';
let output = '';
let exited: Promise<[number | null, NodeJS.Signals | null]>;
const ports = { service: 0, prometheus: 0, alertmanager: 0, smtp: 0, sink: 0 };
const url = (port: number) => `http://127.0.0.1:${port}`;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child?.exitCode !== null) throw new Error(`the stack exited while waiting for ${what}:\n${output}`);
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const getJson = async (u: string) => {
  const res = await fetch(u);
  return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
};

/** Local addresses of the TCP sockets listening on `port` (/proc/net/tcp and tcp6, state 0A), as hex. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[3] === '0A' && c[1]?.endsWith(`:${hexPort}`))
      .map((c) => c[1]!.split(':')[0]!),
  );
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });

beforeAll(async () => {
  expect(STACK_SCRIPT).toBe('tsx scripts/stack.ts');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'wa-stack-'));
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !DROPPED.test(k)));
  // what `tsx scripts/stack.ts` runs, without npm and tsx's wrapper in between (they relay signals; not under test)
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack.ts'], {
    cwd: ROOT,
    env: {
      ...base,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      PORT: String(ports.service),
      PROMETHEUS_PORT: String(ports.prometheus),
      ALERTMANAGER_PORT: String(ports.alertmanager),
      STACK_SMTP_PORT: String(ports.smtp),
      STACK_SINK_PORT: String(ports.sink),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await waitFor('the summary', () => (output.includes('stack is up') ? true : undefined), 90_000);
}, 100_000);

afterAll(() => {
  if (child?.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGKILL'); // the stack, Prometheus, Alertmanager and PostgreSQL
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run stack', () => {
  it('runs the service, Prometheus with the rules and Alertmanager with the rendered routes; an alert reaches the mail catcher; SIGTERM stops it all', async () => {
    expect(output).toContain(`workshop-analytics listening on ${url(ports.service)}`);
    expect(output).toContain(`${url(ports.prometheus)}/alerts`);
    // Grafana and the collector: started when on PATH, else the summary says how to get them
    const tools = findOptionalTools();
    if (!tools.grafana) expect(output).toMatch(/Grafana: +not found on PATH .*`docker compose up -d grafana`/);
    if (!tools.otelcol) expect(output).toMatch(/Collector: +not found on PATH .*`docker compose up -d otel-collector`/);
    expect((await fetch(`${url(ports.service)}/readyz`)).status).toBe(200);
    expect((await fetch(`${url(ports.prometheus)}/-/ready`)).status).toBe(200);
    expect((await fetch(`${url(ports.alertmanager)}/-/ready`)).status).toBe(200);

    // the repository's rules, with their real for: durations
    const rules = (await getJson(`${url(ports.prometheus)}/api/v1/rules?type=alert`)) as {
      data: { groups: { rules: { name: string; duration: number }[] }[] };
    };
    const alerting = new Map(rules.data.groups.flatMap((g) => g.rules.map((r) => [r.name, r.duration] as const)));
    expect(alerting.get('WorkshopApplicationStuck')).toBe(300);
    expect(alerting.has('WorkshopAnalyticsWatchdog')).toBe(true);

    // the service's target is scraped (the first scrape within one 15 s interval)
    await waitFor(
      'the service target up',
      async () => {
        const t = (await getJson(`${url(ports.prometheus)}/api/v1/targets`)) as {
          data: { activeTargets: { labels: { job: string }; scrapeUrl: string; health: string }[] };
        };
        const svc = t.data.activeTargets.find((x) => x.labels.job === 'workshop-analytics');
        return svc?.health === 'up' ? svc : undefined;
      },
      30_000,
    ).then((svc) => expect(svc.scrapeUrl).toBe(`${url(ports.service)}/metrics`));

    // Alertmanager runs the rendered routing, with the stack's local peers
    const status = (await getJson(`${url(ports.alertmanager)}/api/v2/status`)) as { config: { original: string } };
    expect(status.config.original).toContain('admin-team-email');
    expect(status.config.original).toContain('admins@workshop.local');
    expect(status.config.original).toContain(`${url(ports.service)}/api/alerts/webhook`);
    expect(status.config.original).toContain(`127.0.0.1:${ports.smtp}`);

    // one alert straight to Alertmanager: the admin team's email lands in DATA_DIR/stack/mail (group_wait 30s)
    const posted = await fetch(`${url(ports.alertmanager)}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: {
            alertname: 'WorkshopApprovalBacklog',
            severity: 'warning',
            audience: 'admin_team',
            kpi: 'approval_backlog',
          },
          annotations: { summary: 'stack test: approval backlog' },
        },
      ]),
    });
    expect(posted.status).toBe(200);
    const mailDir = path.join(dataDir, 'stack', 'mail');
    const mail = await waitFor(
      'the admin-team email',
      () => {
        const files = existsSync(mailDir) ? readdirSync(mailDir).filter((f) => f.endsWith('.eml')) : [];
        return files
          .map((f) => readFileSync(path.join(mailDir, f), 'utf8'))
          .find((m) => /^To: admins@workshop\.local\r?$/im.test(m) && m.includes('WorkshopApprovalBacklog'));
      },
      60_000,
    );
    expect(mail).toMatch(/^Subject: \[FIRING:1\] WorkshopApprovalBacklog/m);
    expect(output).toMatch(/mail to admins@workshop\.local: \[FIRING:1\] WorkshopApprovalBacklog/);

    // the history webhook (bearer token from the file the stack wrote) kept it in workshop_alerts
    const { admin } = JSON.parse(readFileSync(path.join(dataDir, 'tokens.json'), 'utf8')) as { admin: string };
    const history = await waitFor(
      'the alert in the history',
      async () => {
        const res = await fetch(`${url(ports.service)}/api/alerts?status=open`, {
          headers: { authorization: `Bearer ${admin}` },
        });
        const text = await res.text();
        return text.includes('WorkshopApprovalBacklog') ? text : undefined;
      },
      15_000,
    );
    expect(history).toContain('approval_backlog');

    // every server of the stack listens on 127.0.0.1 only
    for (const port of Object.values(ports)) expect(listeners(port), `port ${port}`).toEqual(['0100007F']);

    child!.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }, output.slice(-4000)).toEqual({ code: 0, signal: null });
    expect(output).toContain('stack: stopped');
    for (const port of Object.values(ports)) expect(await refused(port), `port ${port} closed`).toBe(true);
  }, 120_000);
});
