/**
 * The plan's alert actions are the routing contract: for every alert in prometheus/alerts/, with the labels its
 * rule really sets, the real amtool (0.25) routes it to the receivers of the table in docs/runbooks.md. Also the
 * render step: other settings (no wins channel, no SMTP auth, a CA file, no heartbeat) still give a valid
 * configuration. Needs amtool on PATH.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderAlertmanagerConfig, renderLinksTemplate, RECEIVERS } from '../../scripts/alertmanager/render.js';
import { parseEnvFile, settingsFromEnv } from '../../scripts/alertmanager/settings.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const AM_DIR = path.join(ROOT, 'prometheus/alertmanager');
const tmp = mkdtempSync(path.join(tmpdir(), 'am-routing-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const H = RECEIVERS.history;
/**
 * alert → the receivers it reaches, in amtool's order (the history webhook first): the plan's "Action" per alert,
 * generated from the policy (src/policy/, each alert's receivers) into prometheus/alertmanager/route-expectations.yml.
 */
const EXPECTED = YAML.parse(
  readFileSync(path.join(ROOT, 'prometheus/alertmanager/route-expectations.yml'), 'utf8'),
) as Record<string, string[]>;

interface Rule {
  alert?: string;
  labels?: Record<string, string>;
}
/** Every alerting rule's name and labels, read from the rule files as Prometheus would. */
function alertRules(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const dir = path.join(ROOT, 'prometheus/alerts');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) {
    const doc = YAML.parse(readFileSync(path.join(dir, f), 'utf8')) as { groups: Array<{ rules: Rule[] }> };
    for (const g of doc.groups) for (const r of g.rules) if (r.alert) out.set(r.alert, r.labels ?? {});
  }
  return out;
}

function routesTest(configFile: string, labels: Record<string, string>): string[] {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const out = execFileSync('amtool', ['config', 'routes', 'test', `--config.file=${configFile}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
  return out.trim().split('\n').at(-1)!.trim().split(',');
}

/** Renders a configuration for `env` into its own directory (with the templates beside it). */
function renderTo(name: string, env: Record<string, string>): string {
  const dir = path.join(tmp, name);
  cpSync(path.join(AM_DIR, 'templates'), path.join(dir, 'templates'), { recursive: true });
  const settings = settingsFromEnv(env);
  writeFileSync(path.join(dir, 'alertmanager.yml'), renderAlertmanagerConfig(settings));
  writeFileSync(path.join(dir, 'links.tmpl'), renderLinksTemplate(settings));
  return path.join(dir, 'alertmanager.yml');
}

const EXAMPLE = parseEnvFile(readFileSync(path.join(AM_DIR, 'settings.example.env'), 'utf8'));
EXAMPLE.ALERT_HEARTBEAT_URL_FILE = path.resolve(ROOT, EXAMPLE.ALERT_HEARTBEAT_URL_FILE!);
const COMMITTED = path.join(AM_DIR, 'alertmanager.yml');

describe('Alertmanager routing: the plan audiences (amtool)', () => {
  const rules = alertRules();

  it('the expectations cover every alert the rules define', () => {
    expect([...rules.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED).filter(([, r]) => !r.includes(RECEIVERS.heartbeat)))(
    '%s reaches exactly its audience',
    (alertname, receivers) => {
      const labels = {
        alertname,
        ...rules.get(alertname),
        ...(rules.get(alertname)?.kpi ? {} : { workshop_id: 'w1' }),
      };
      expect(routesTest(COMMITTED, labels)).toEqual(receivers);
    },
  );

  it('the heartbeat alerts expect only the heartbeat receiver', () => {
    const heartbeats = [...rules].filter(([, l]) => l.audience === 'heartbeat').map(([n]) => n);
    expect(heartbeats.length).toBeGreaterThan(0);
    for (const name of heartbeats) expect(EXPECTED[name], name).toEqual([RECEIVERS.heartbeat]);
  });

  it('the watchdog reaches only the heartbeat receiver, never the history or a human', () => {
    const heartbeats = [...rules].filter(([, l]) => l.audience === 'heartbeat');
    for (const [alertname, labels] of heartbeats)
      expect(routesTest(COMMITTED, { alertname, ...labels })).toEqual([RECEIVERS.heartbeat]);
  });

  it('an alert with an unknown audience still reaches a human (tech team email)', () => {
    expect(routesTest(COMMITTED, { alertname: 'Unknown', severity: 'warning' })).toEqual([H, RECEIVERS.techEmail]);
  });

  it('without a wins channel, the beta milestone is a dashboard notification only', () => {
    const noWins = renderTo('no-wins', { ...EXAMPLE, ALERT_SLACK_WINS_URL_FILE: '' });
    const labels = { alertname: 'WorkshopBetaMilestoneReached', ...rules.get('WorkshopBetaMilestoneReached') };
    expect(routesTest(noWins, labels)).toEqual([H, RECEIVERS.none]);
  });

  it('heartbeat every 5 minutes; account manager at most daily; each channel its own Slack webhook file', () => {
    const cfg = YAML.parse(readFileSync(COMMITTED, 'utf8')) as {
      route: { routes: Array<{ receiver: string; repeat_interval?: string; matchers?: string[] }> };
      receivers: Array<{ name: string; slack_configs?: Array<{ api_url_file: string; channel?: string }> }>;
    };
    const route = (r: string) => cfg.route.routes.find((x) => x.receiver === r)!;
    expect(route(RECEIVERS.heartbeat).repeat_interval).toBe('5m');
    expect(route(RECEIVERS.accountManager).repeat_interval).toBe('24h');
    const slackFiles = cfg.receivers.flatMap((r) => (r.slack_configs ?? []).map((c) => c.api_url_file));
    expect(slackFiles).toHaveLength(3);
    expect(new Set(slackFiles).size).toBe(3);
    expect(cfg.receivers.flatMap((r) => r.slack_configs ?? []).some((c) => c.channel)).toBe(false);
  });

  it('the email-system incident silences both delivery-rate alerts; critical silences degraded', () => {
    const cfg = YAML.parse(readFileSync(COMMITTED, 'utf8')) as {
      inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[] }>;
    };
    const inhibits = cfg.inhibit_rules.map((r) => `${r.source_matchers.join()} -> ${r.target_matchers.join()}`);
    expect(inhibits).toContain(
      'alertname="WorkshopEmailSystemDown" -> alertname=~"WorkshopEmailDeliveryCritical|WorkshopEmailDeliveryDegraded"',
    );
    expect(inhibits).toContain(
      'alertname="WorkshopEmailDeliveryCritical" -> alertname="WorkshopEmailDeliveryDegraded"',
    );
  });
});

describe('the render step (settings → alertmanager.yml)', () => {
  const check = (file: string) =>
    execFileSync('amtool', ['check-config', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('the committed configuration is valid, keeps secrets in files and has no localhost link', () => {
    const out = check(COMMITTED);
    expect(out).toContain('SUCCESS');
    const cfg = readFileSync(COMMITTED, 'utf8');
    expect(cfg).toContain('smtp_require_tls: true');
    expect(cfg).toContain('smtp_auth_password_file: "/etc/alertmanager/secrets/smtp-password"');
    expect(cfg).not.toMatch(/^\s*(smtp_auth_password|api_url|slack_api_url|credentials|auth_password):/m);
    expect(readFileSync(path.join(AM_DIR, 'links.tmpl'), 'utf8')).toContain(EXAMPLE.GRAFANA_URL!);
  });

  it('a local mail catcher (no TLS, no auth), a CA file, no heartbeat: still valid', () => {
    const file = renderTo('local', {
      ...EXAMPLE,
      ALERT_SMTP_REQUIRE_TLS: 'false',
      ALERT_SMTP_USERNAME: '',
      ALERT_SMTP_CA_FILE: '/etc/ssl/certs/ca-certificates.crt',
      ALERT_HEARTBEAT_URL_FILE: '',
    });
    expect(check(file)).toContain('SUCCESS');
    const cfg = readFileSync(file, 'utf8');
    expect(cfg).toContain('smtp_require_tls: false');
    expect(cfg).not.toContain('smtp_auth_username');
    expect(cfg).toContain('ca_file: "/etc/ssl/certs/ca-certificates.crt"');
    expect(cfg).not.toContain('heartbeat.theautodoctor.example');
  });

  it('the heartbeat URL is read from its file into the heartbeat receiver', () => {
    const urlFile = path.join(tmp, 'hb-url');
    writeFileSync(urlFile, 'https://hc.example/ping/abc\n');
    const file = renderTo('hb', { ...EXAMPLE, ALERT_HEARTBEAT_URL_FILE: urlFile });
    const cfg = YAML.parse(readFileSync(file, 'utf8')) as {
      receivers: Array<{ name: string; webhook_configs?: Array<{ url: string }> }>;
    };
    expect(cfg.receivers.find((r) => r.name === RECEIVERS.heartbeat)!.webhook_configs![0]!.url).toBe(
      'https://hc.example/ping/abc',
    );
  });
});
