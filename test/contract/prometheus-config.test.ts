/**
 * Prometheus and Alertmanager configuration checks with the real tools (promtool, amtool): config and rule
 * syntax, the rule unit tests in prometheus/tests, Alertmanager routing per severity, notification templates,
 * and the public contract (alert names, severities, runbook sections). Needs promtool and amtool on PATH.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROM = path.join(ROOT, 'prometheus');
const AM_DIR = path.join(PROM, 'alertmanager');
const AM_CONFIG = path.join(AM_DIR, 'alertmanager.yml');

interface Result {
  code: number;
  out: string;
}

/** Runs a tool; never throws on a non-zero exit (the assertion does the failing, with the tool's output). */
function run(cmd: string, args: string[], cwd = PROM): Result {
  try {
    const out = execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string; message: string };
    return {
      code: err.status ?? -1,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}${err.status == null ? err.message : ''}`,
    };
  }
}

const ymlIn = (dir: string) =>
  readdirSync(path.join(PROM, dir))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => `${dir}/${f}`);
const RULE_FILES = [...ymlIn('rules'), ...ymlIn('alerts')];
const TEST_FILES = ymlIn('tests');
const read = (rel: string) => readFileSync(path.join(PROM, rel), 'utf8');

/** The alert contract: name -> severity. */
const ALERTS: Record<string, 'critical' | 'warning' | 'info'> = {
  WorkshopApplicationStuck: 'critical',
  WorkshopEmailSystemDown: 'critical',
  WorkshopChurnRisk: 'critical',
  WorkshopEmailDeliveryCritical: 'critical',
  WorkshopEmailDeliveryDegraded: 'warning',
  WorkshopLowInviteAcceptance: 'warning',
  WorkshopApprovalBacklog: 'warning',
  WorkshopSlowApprovals: 'warning',
  WorkshopLowSignupConversion: 'warning',
  WorkshopBetaMilestoneReached: 'info',
  WorkshopThriving: 'info',
  WorkshopAnalyticsAggregatorStale: 'warning',
  WorkshopAnalyticsDown: 'critical',
  WorkshopAnalyticsDatabaseDown: 'critical',
  WorkshopAnalyticsWatchdog: 'info',
  WorkshopAlertNotificationsFailing: 'critical',
  WorkshopAnalyticsRuleEvaluationFailing: 'critical',
  WorkshopApiErrorRateHigh: 'warning',
};

/** Who acts on each alert (the plan's "Action"); the `audience` label. */
const AUDIENCE: Record<string, string> = {
  WorkshopApplicationStuck: 'admin_team',
  WorkshopApprovalBacklog: 'admin_team',
  WorkshopLowSignupConversion: 'admin_team',
  WorkshopEmailSystemDown: 'tech_team',
  WorkshopEmailDeliveryCritical: 'tech_team',
  WorkshopEmailDeliveryDegraded: 'tech_team',
  WorkshopAnalyticsAggregatorStale: 'tech_team',
  WorkshopAnalyticsDown: 'tech_team',
  WorkshopAnalyticsDatabaseDown: 'tech_team',
  WorkshopAlertNotificationsFailing: 'tech_team',
  WorkshopAnalyticsRuleEvaluationFailing: 'tech_team',
  WorkshopApiErrorRateHigh: 'tech_team',
  WorkshopAnalyticsWatchdog: 'heartbeat',
  WorkshopChurnRisk: 'account_manager',
  WorkshopLowInviteAcceptance: 'dashboard',
  WorkshopSlowApprovals: 'dashboard',
  WorkshopBetaMilestoneReached: 'dashboard',
  WorkshopThriving: 'workshop_owner',
};
const AUDIENCES = ['admin_team', 'tech_team', 'account_manager', 'workshop_owner', 'dashboard', 'heartbeat'];
/** Programme-wide KPI alerts: a `kpi` label names the KPI. */
const KPI_ALERTS = [
  'WorkshopEmailSystemDown',
  'WorkshopEmailDeliveryCritical',
  'WorkshopEmailDeliveryDegraded',
  'WorkshopApprovalBacklog',
  'WorkshopSlowApprovals',
  'WorkshopLowSignupConversion',
  'WorkshopBetaMilestoneReached',
  'WorkshopApiErrorRateHigh',
];
/** Always firing by design (the dead man's switch): it has no "does not fire" case. */
const ALWAYS_FIRING = ['WorkshopAnalyticsWatchdog'];
const PER_WORKSHOP = [
  'WorkshopApplicationStuck',
  'WorkshopChurnRisk',
  'WorkshopLowInviteAcceptance',
  'WorkshopThriving',
];

/** Alerting rules as text blocks (from "- alert:" to the next rule), keyed by name. */
function alertBlocks(): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  for (const f of ymlIn('alerts')) {
    const parts = read(f)
      .split(/^\s*- (?=alert:|record:)/m)
      .slice(1);
    for (const p of parts) {
      const name = /^alert:\s*(\S+)/.exec(p)?.[1];
      if (name) blocks.set(name, [...(blocks.get(name) ?? []), p]);
    }
  }
  return blocks;
}

describe('Prometheus configuration (promtool)', () => {
  it('prometheus.yml is valid and loads every rule file', () => {
    const r = run('promtool', ['check', 'config', 'prometheus.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.code, r.out).toBe(0);
    for (const f of RULE_FILES) expect(r.out).toContain(`Checking ${f}`);
  });

  it('prometheus.yml scrapes the service, Prometheus and Alertmanager and sends alerts to both Alertmanager peers', () => {
    const cfg = read('prometheus.yml');
    expect(cfg).toMatch(/job_name: workshop-analytics\n[\s\S]*?names: \['app'\]/);
    expect(cfg).toMatch(/job_name: workshop-analytics-aggregator\n[\s\S]*?names: \['aggregator'\]/);
    expect(cfg).toMatch(/job_name: prometheus\b/);
    expect(cfg).toMatch(/job_name: alertmanager\n[\s\S]*?targets: \['alertmanager:9093', 'alertmanager-2:9093'\]/);
    expect(cfg).toMatch(/alerting:[\s\S]*?targets: \['alertmanager:9093', 'alertmanager-2:9093'\]/);
  });

  it('remote-write.example.yml is valid and sends to Mimir with a tenant header, tuned queue and metadata', () => {
    const r = run('promtool', ['check', 'config', 'remote-write.example.yml']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
    const cfg = YAML.parse(read('remote-write.example.yml')) as {
      global: { external_labels: Record<string, string> };
      remote_write: Array<{
        url: string;
        headers?: Record<string, string>;
        queue_config?: Record<string, unknown>;
        metadata_config?: { send?: boolean };
      }>;
    };
    const [rw] = cfg.remote_write;
    expect(rw!.url).toMatch(/\/api\/v1\/push$/);
    expect(rw!.headers?.['X-Scope-OrgID']).toBeTruthy();
    expect(rw!.queue_config).toEqual(
      expect.objectContaining({
        capacity: expect.any(Number),
        max_shards: expect.any(Number),
        max_samples_per_send: expect.any(Number),
      }),
    );
    expect(Number(rw!.queue_config!.capacity)).toBeGreaterThanOrEqual(
      3 * Number(rw!.queue_config!.max_samples_per_send),
    );
    expect(rw!.metadata_config?.send).toBe(true);
    // the HA pair: Mimir's HA tracker needs a cluster label; the replica label is the pair's own
    expect(cfg.global.external_labels).toEqual(
      expect.objectContaining({ cluster: expect.any(String), replica: '${PROMETHEUS_REPLICA}' }),
    );
    expect(YAML.parse(read('prometheus.yml')).global.external_labels.replica).toBe(cfg.global.external_labels.replica);
  });

  it('every rule file passes promtool check rules', () => {
    expect(RULE_FILES.length).toBeGreaterThanOrEqual(2);
    const r = run('promtool', ['check', 'rules', ...RULE_FILES]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toContain('FAILED');
  });

  it.each(TEST_FILES)('rule unit tests pass: %s', (f) => {
    const r = run('promtool', ['test', 'rules', f]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  });
});

describe('alert contract', () => {
  const blocks = alertBlocks();

  it('defines exactly the contracted alerts, each once, with its severity', () => {
    expect([...blocks.keys()].sort()).toEqual(Object.keys(ALERTS).sort());
    for (const [name, severity] of Object.entries(ALERTS)) {
      expect(blocks.get(name), name).toHaveLength(1);
      expect(blocks.get(name)![0], name).toMatch(new RegExp(`^\\s+severity: ${severity}$`, 'm'));
    }
  });

  it('every alert has summary, description, runbook_url (to an existing runbook section) and a relative dashboard_path', () => {
    const runbooks = readFileSync(path.join(ROOT, 'docs/runbooks.md'), 'utf8');
    const anchors = new Set(
      [...runbooks.matchAll(/^## (.+)$/gm)].map((m) =>
        m[1]!
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 _-]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const [name, [block]] of blocks) {
      for (const a of ['summary', 'description', 'runbook_url'])
        expect(block, `${name} ${a}`).toMatch(new RegExp(`^\\s+${a}:`, 'm'));
      // Links are relative: Alertmanager's templates prefix GRAFANA_URL (links.tmpl, from the render step).
      const dashboard = /^\s+dashboard_path: '([^']*)'/m.exec(block!)?.[1];
      expect(dashboard, `${name} dashboard_path`).toMatch(/^\/d\/workshop-[a-z-]+(\?|$)/);
      expect(block, name).not.toMatch(/dashboard_url|localhost/);
      const anchor = /runbook_url: '[^']*docs\/runbooks\.md#([^']+)'/.exec(block!)?.[1];
      expect(anchor, name).toBe(name.toLowerCase());
      expect(anchors.has(anchor!), `docs/runbooks.md has no section for #${anchor}`).toBe(true);
    }
  });

  it('every alert carries its audience (one of the known ones)', () => {
    expect(Object.keys(AUDIENCE).sort()).toEqual(Object.keys(ALERTS).sort());
    for (const [name, audience] of Object.entries(AUDIENCE)) {
      expect(AUDIENCES, name).toContain(audience);
      expect(blocks.get(name)![0], name).toMatch(
        new RegExp(`^\\s+labels:\\n(\\s+\\w+: \\S+\\n)*?\\s+audience: ${audience}$`, 'm'),
      );
    }
  });

  it('KPI alerts carry a kpi label; per-workshop and KPI alerts keep firing for at least 10m through a series gap', () => {
    for (const name of KPI_ALERTS) expect(blocks.get(name)![0], name).toMatch(/^\s+kpi: [a-z_]+$/m);
    for (const name of [...KPI_ALERTS, ...PER_WORKSHOP]) {
      const kff = /^\s+keep_firing_for: (\d+)m$/m.exec(blocks.get(name)![0]!)?.[1];
      expect(Number(kff), `${name} keep_firing_for`).toBeGreaterThanOrEqual(10);
    }
  });

  it('per-workshop alerts keep workshop_id, put name and city in annotations (never labels) and link the scorecard', () => {
    for (const name of PER_WORKSHOP) {
      const block = blocks.get(name)![0]!;
      expect(block, name).not.toContain('group_left');
      expect(block, name).not.toContain('$labels.name');
      expect(block, name).toMatch(/^ {10}name: >-\n.*workshop_id:workshop_info:names.*label "name"/m);
      expect(block, name).toMatch(/^ {10}city: >-\n.*workshop_id:workshop_info:names.*label "city"/m);
      expect(block, name).toContain('var-workshop={{ $labels.workshop_id }}');
    }
    for (const [name, [block]] of blocks) {
      const labels = /^\s+labels:\n((?:\s+\w+: .+\n)+)/m.exec(block!)?.[1] ?? '';
      expect(labels, name).not.toMatch(/^\s+(name|city):/m);
      expect(block, name).not.toMatch(/by \([^)]*\b(name|city)\b/);
    }
  });

  it('every alert has a "fires" and a "does not fire" unit test', () => {
    const cases = TEST_FILES.flatMap((f) => [...read(f).matchAll(/alertname: (\w+)\s*\n\s*exp_alerts:( \[\])?/g)]);
    for (const name of Object.keys(ALERTS)) {
      const mine = cases.filter((c) => c[1] === name);
      expect(
        mine.some((c) => c[2] === undefined),
        `${name}: no case where it fires`,
      ).toBe(true);
      expect(
        mine.some((c) => c[2] === ' []'),
        ALWAYS_FIRING.includes(name)
          ? `${name} must fire at every evaluation`
          : `${name}: no case where it does not fire`,
      ).toBe(!ALWAYS_FIRING.includes(name));
    }
  });
});

describe('Alertmanager configuration (amtool)', () => {
  it('alertmanager.yml is valid', () => {
    const r = run('amtool', ['check-config', AM_CONFIG], AM_DIR);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
    expect(r.out).toMatch(/2 templates/);
  });

  const render = (data: string, template: string, type = 'text') =>
    run(
      'amtool',
      [
        'template',
        'render',
        '--template.glob=templates/*.tmpl',
        '--template.glob=links.tmpl',
        `--template.data=testdata/${data}.json`,
        `--template.type=${type}`,
        `--template.text={{ template "${template}" . }}`,
      ],
      AM_DIR,
    );

  it('email subject says FIRING or RESOLVED from the group status', () => {
    expect(render('firing', 'workshop.email.subject').out.trim()).toBe(
      '[FIRING:1] WorkshopApplicationStuck - Autohaus Nord (workshop analytics)',
    );
    expect(render('resolved', 'workshop.email.subject').out.trim()).toBe(
      '[RESOLVED] WorkshopApplicationStuck - Autohaus Nord (workshop analytics)',
    );
  });

  it('resolved emails list the resolved alerts (text and HTML)', () => {
    const text = render('resolved', 'workshop.email.text');
    expect(text.code, text.out).toBe(0);
    expect(text.out).toContain('RESOLVED (1)');
    expect(text.out).toContain(
      '- Workshop application 11111111-1111-4111-8111-111111111111 has been pending for 48+ hours [critical]',
    );
    expect(text.out).toContain('to 2026-04-01 12:30 UTC');
    expect(text.out).not.toContain('FIRING');
    const html = render('resolved', 'workshop.email.html', 'html');
    expect(html.code, html.out).toBe(0);
    expect(html.out).toContain('<h3>Resolved (1)</h3>');
    expect(html.out).toContain('Autohaus Nord');
  });

  it('Slack messages link the dashboard, the runbook and a pre-filled silence', () => {
    const r = render('firing', 'workshop.slack.text');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(
      '<https://grafana.theautodoctor.example/d/workshop-health-scorecard?var-workshop=11111111-1111-4111-8111-111111111111|Dashboard>',
    );
    expect(r.out).toContain(
      '<https://github.com/theautodoctor/workshop-analytics/blob/main/docs/runbooks.md#workshopapplicationstuck|Runbook>',
    );
    expect(r.out).toContain(
      '<http://alertmanager.example:9093/#/silences/new?filter=%7Balertname%3D%22WorkshopApplicationStuck%22%2Cworkshop_id%3D%2211111111-1111-4111-8111-111111111111%22%7D|Silence>',
    );
    expect(render('resolved', 'workshop.slack.title').out.trim()).toBe(
      '[RESOLVED] WorkshopApplicationStuck - Autohaus Nord',
    );
  });
});
