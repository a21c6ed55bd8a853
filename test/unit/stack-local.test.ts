/**
 * The pure parts of `npm run stack` (scripts/stack/): prometheus.yml's loopback rewrite changes only targets, rule
 * paths and the token, the binaries are found by their Debian or upstream names (or named as missing), ports are
 * validated, and the console lines of Slack messages and mails say what arrived.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { findBinaries } from '../../scripts/stack/binaries.js';
import { slackLines } from '../../scripts/stack/http-sink.js';
import { subjectOf } from '../../scripts/stack/mail-catcher.js';
import { localPrometheusConfig } from '../../scripts/stack/prometheus-local.js';
import { stackPorts } from '../../scripts/stack/stack-settings.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHIPPED = path.join(ROOT, 'prometheus/prometheus.yml');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Job = { job_name: string; authorization?: unknown; static_configs: { targets: string[] }[] };
const local = (metricsTokenFile?: string) =>
  YAML.parse(
    localPrometheusConfig({
      text: readFileSync(SHIPPED, 'utf8'),
      configDir: path.dirname(SHIPPED),
      serviceTarget: '127.0.0.1:3000',
      prometheusPort: 9090,
      alertmanagerPort: 9093,
      ...(metricsTokenFile ? { metricsTokenFile } : {}),
    }),
  ) as {
    global: { external_labels?: Record<string, string> };
    rule_files: string[];
    alerting: unknown;
    scrape_configs: Job[];
  };

describe('the stack’s prometheus.yml', () => {
  const shipped = YAML.parse(readFileSync(SHIPPED, 'utf8')) as {
    global: { external_labels?: Record<string, string> };
    alerting: { alert_relabel_configs?: unknown };
    scrape_configs: Job[];
  };

  it('points every target at loopback and the rule files at the repository’s, keeping the rest', () => {
    const cfg = local();
    // one server: replica "local" (Debian's Prometheus 2 does not expand ${PROMETHEUS_REPLICA}), the rest as shipped
    expect(cfg.global).toEqual({
      ...shipped.global,
      external_labels: { ...shipped.global.external_labels, replica: 'local' },
    });
    expect(cfg.rule_files).toEqual([
      path.join(ROOT, 'prometheus/rules/*.yml'),
      path.join(ROOT, 'prometheus/alerts/*.yml'),
    ]);
    expect(cfg.alerting).toEqual({
      alert_relabel_configs: shipped.alerting.alert_relabel_configs,
      alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:9093'] }] }],
    });
    const targets = Object.fromEntries(cfg.scrape_configs.map((j) => [j.job_name, j.static_configs[0]!.targets]));
    expect(targets).toEqual({
      'workshop-analytics': ['127.0.0.1:3000'],
      prometheus: ['127.0.0.1:9090'],
      alertmanager: ['127.0.0.1:9093'],
    });
    // the one local process (inline) is scraped once, as workshop-analytics: no aggregator job, no DNS discovery
    expect(cfg.scrape_configs.map((j) => j.job_name)).toEqual(
      shipped.scrape_configs.map((j) => j.job_name).filter((n) => n !== 'workshop-analytics-aggregator'),
    );
    expect(JSON.stringify(cfg.scrape_configs)).not.toContain('dns_sd_configs');
  });

  it('sends no token unless the service wants one, and then the token from the given file', () => {
    const service = (c: ReturnType<typeof local>) => c.scrape_configs.find((j) => j.job_name === 'workshop-analytics')!;
    expect(service(local()).authorization).toBeUndefined();
    expect(service(local('/data/stack/metrics-token')).authorization).toEqual({
      credentials_file: '/data/stack/metrics-token',
    });
  });
});

describe('the stack’s binaries', () => {
  const dirWith = (...names: string[]) => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'wa-bin-'));
    dirs.push(d);
    for (const n of names) {
      writeFileSync(path.join(d, n), '#!/bin/sh\n');
      chmodSync(path.join(d, n), 0o755);
    }
    return d;
  };

  it('finds Debian’s names first, the upstream alertmanager otherwise', () => {
    const debian = dirWith('prometheus', 'prometheus-alertmanager');
    expect(findBinaries(debian)).toEqual({
      prometheus: path.join(debian, 'prometheus'),
      alertmanager: path.join(debian, 'prometheus-alertmanager'),
    });
    const upstream = dirWith('prometheus', 'alertmanager');
    expect(findBinaries(`/nonexistent:${upstream}`).alertmanager).toBe(path.join(upstream, 'alertmanager'));
  });

  it('when one is missing, then the error names it and the Debian packages', () => {
    expect(() => findBinaries(dirWith('prometheus'))).toThrow(
      /not found: `prometheus-alertmanager` or `alertmanager` \(Debian package prometheus-alertmanager\)/,
    );
    expect(() => findBinaries(dirWith())).toThrow(/apt-get install prometheus prometheus-alertmanager/);
  });
});

describe('the stack’s settings and console lines', () => {
  it('takes the default ports, picks a free one for 0 and lists every bad value', async () => {
    const ports = await stackPorts({ STACK_SINK_PORT: undefined });
    expect(ports).toMatchObject({ PROMETHEUS_PORT: 9090, ALERTMANAGER_PORT: 9093, STACK_SMTP_PORT: 1025 });
    expect(ports.STACK_SINK_PORT).toBeGreaterThan(0);
    await expect(stackPorts({ PROMETHEUS_PORT: 'x', ALERTMANAGER_PORT: '70000' })).rejects.toThrow(
      /PROMETHEUS_PORT: must be a port number[^]*ALERTMANAGER_PORT: must be a port number/,
    );
  });

  it('prints a Slack message as its channel, title and text', () => {
    expect(
      slackLines('critical', { attachments: [{ title: '[FIRING:1] WorkshopEmailSystemDown', text: 'a\nb' }] }),
    ).toEqual(['slack #critical: [FIRING:1] WorkshopEmailSystemDown', '    a', '    b']);
  });

  it('reads a mail’s subject, folded or encoded', () => {
    expect(subjectOf('From: a@b\r\nSubject: [FIRING:1]\r\n WorkshopThriving\r\n\r\nbody')).toBe(
      '[FIRING:1] WorkshopThriving',
    );
    expect(subjectOf('Subject: =?utf-8?q?Caf=C3=A9_Auto?=\r\n\r\n')).toBe('Café Auto');
    expect(subjectOf('From: a@b\r\n\r\nSubject: in the body')).toBe('(no subject)');
  });
});
