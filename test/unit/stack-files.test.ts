/**
 * The Docker stack can't run here (no engine), so its files are proven by their parts: every path compose
 * mounts exists, every image is pinned, every service is health-checked, the collector's pipelines are
 * consistent, Grafana's provisioning matches the compose mounts and the dashboards' data sources, and the
 * files Prometheus and Alertmanager read are where their configs look.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderAlertmanagerConfig } from '../../scripts/alertmanager/render.js';
import { settingsFromEnv } from '../../scripts/alertmanager/settings.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const yaml = (rel: string) => YAML.parse(read(rel), { merge: true }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Paths that are build outputs of `npm run generate` (may be absent in a fresh checkout, never committed empty). */
const GENERATED = new Set(['grafana/dashboards']);

const compose = yaml('docker-compose.yml');
const services = compose.services as Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Mount {
  source: string;
  target: string;
  bind: boolean;
}

function mounts(svc: Record<string, unknown>): Mount[] {
  return ((svc.volumes ?? []) as Array<string | Record<string, string>>).map((v) => {
    if (typeof v === 'string') {
      const [source = '', target = ''] = v.split(':');
      return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
    }
    return { source: v.source ?? '', target: v.target ?? '', bind: v.type === 'bind' };
  });
}

const rel = (p: string) => path.relative(ROOT, path.resolve(ROOT, p)).replace(/\\/g, '/');
const exists = (p: string) => existsSync(path.resolve(ROOT, p));

function gitIgnored(p: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', p], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One-shot jobs: `restart: "no"` and awaited by another service with service_completed_successfully. */
function isOneShot(name: string): boolean {
  const awaited = Object.values(services).some(
    (s) => s.depends_on?.[name]?.condition === 'service_completed_successfully',
  );
  return services[name]!.restart === 'no' && awaited;
}

/** In-container files a service gets: bind mounts and secret targets. */
function provided(name: string): Array<{ target: string; source: string }> {
  const svc = services[name]!;
  const out = mounts(svc)
    .filter((m) => m.bind)
    .map((m) => ({ target: m.target, source: m.source }));
  for (const s of (svc.secrets ?? []) as Array<string | { source: string; target?: string }>) {
    const src = typeof s === 'string' ? s : s.source;
    const target =
      typeof s === 'string' || !s.target
        ? `/run/secrets/${src}`
        : s.target.startsWith('/')
          ? s.target
          : `/run/secrets/${s.target}`;
    out.push({ target, source: compose.secrets[src].file });
  }
  return out;
}

/** The host path behind an in-container path (a mount whose target is it or one of its parents). */
function hostPathOf(name: string, containerPath: string): string | undefined {
  for (const m of provided(name)) {
    if (containerPath === m.target) return m.source;
    if (containerPath.startsWith(m.target.replace(/\/$/, '') + '/'))
      return path.posix.join(m.source, containerPath.slice(m.target.replace(/\/$/, '').length + 1));
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('references only files and directories that exist', () => {
    const missing: string[] = [];
    for (const [name, svc] of Object.entries(services)) {
      if (svc.build) {
        const ctx = typeof svc.build === 'string' ? svc.build : (svc.build.context ?? '.');
        const dockerfile = typeof svc.build === 'string' ? 'Dockerfile' : (svc.build.dockerfile ?? 'Dockerfile');
        if (!exists(ctx)) missing.push(`${name}: build context ${ctx}`);
        if (!exists(path.join(ctx, dockerfile))) missing.push(`${name}: ${path.join(ctx, dockerfile)}`);
      }
      for (const m of mounts(svc)) {
        if (m.bind && !exists(m.source) && !GENERATED.has(rel(m.source)))
          missing.push(`${name}: bind mount ${m.source}`);
        if (!m.bind)
          expect(Object.keys(compose.volumes ?? {}), `${name}: named volume ${m.source}`).toContain(m.source);
      }
      const envFiles =
        svc.env_file === undefined
          ? []
          : [svc.env_file].flat().map((e: string | { path: string }) => (typeof e === 'string' ? e : e.path));
      for (const f of envFiles) if (!exists(f)) missing.push(`${name}: env_file ${f}`);
      for (const s of (svc.secrets ?? []) as Array<string | { source: string }>) {
        const src = typeof s === 'string' ? s : s.source;
        expect(compose.secrets?.[src], `${name}: secret ${src} is declared`).toBeDefined();
      }
    }
    for (const [name, s] of Object.entries((compose.secrets ?? {}) as Record<string, { file?: string }>)) {
      if (!s.file) continue;
      // the real secret files are gitignored and created per machine (secrets/README.md); their .example is committed
      if (exists(s.file)) expect(gitIgnored(s.file), `secret ${name}: ${s.file} must be gitignored`).toBe(true);
      else if (!(gitIgnored(s.file) && exists(`${s.file}.example`)))
        missing.push(`secret ${name}: ${s.file} (no .example, or not gitignored)`);
    }
    expect(missing).toEqual([]);
  });

  it('pins every image (no latest, no floating tag) or builds it, and health-checks every service', () => {
    for (const [name, svc] of Object.entries(services)) {
      expect(svc.image || svc.build, `${name}: image or build`).toBeTruthy();
      if (!svc.build) {
        const image = String(svc.image);
        const tag = /:([^/:@]+)$/.exec(image)?.[1];
        expect(tag, `${name}: ${image} has a tag`).toBeDefined();
        expect(tag, `${name}: ${image}`).not.toBe('latest');
        expect(image, `${name}: no variable in the image`).not.toContain('$');
        // a version with at least major.minor (16.9-alpine, v3.5.0, 0.128.0)
        expect(tag, `${name}: ${image} pins a version`).toMatch(/^v?\d+\.\d+/);
      }
      if (isOneShot(name)) continue;
      expect(svc.healthcheck?.test, `${name}: healthcheck`).toBeDefined();
      expect(svc.healthcheck.disable, `${name}: healthcheck not disabled`).not.toBe(true);
    }
  });

  it('depends only with conditions, on services that can meet them', () => {
    for (const [name, svc] of Object.entries(services)) {
      expect(Array.isArray(svc.depends_on), `${name}: depends_on in the long form (with conditions)`).toBe(false);
      for (const [dep, spec] of Object.entries((svc.depends_on ?? {}) as Record<string, { condition: string }>)) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully'], `${name} -> ${dep}`).toContain(spec.condition);
        if (spec.condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} has a healthcheck`).toBeDefined();
        else expect(isOneShot(dep), `${dep} is a one-shot job`).toBe(true);
      }
    }
  });

  it('wires the app to the collector, mailpit, PostgreSQL and Grafana, with tokens from secret files', () => {
    const env = services.app!.environment as Record<string, string>;
    expect(env.HOST).toBe('0.0.0.0');
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    expect(env.DIGEST_SMTP_URL).toBe('smtp://mailpit:1025');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^:@]+@postgres:5432\//); // password comes from PGPASSWORD_FILE
    expect(env.GRAFANA_URL).toBeDefined();
    for (const v of ['INGEST_TOKENS', 'ADMIN_TOKENS', 'ALERT_WEBHOOK_TOKENS', 'PGPASSWORD']) {
      expect(env[v], `${v} is not inline`).toBeUndefined();
      expect(env[`${v}_FILE`], `${v}_FILE`).toMatch(/^\/run\/secrets\//);
      expect(hostPathOf('app', env[`${v}_FILE`]!), `${v}_FILE is mounted`).toBeDefined();
      // the Dockerfile's entrypoint turns VAR_FILE into VAR
      expect(read('Dockerfile')).toMatch(new RegExp(`for var in [^\\n]*\\b${v}\\b`));
    }
    // Alertmanager sends exactly the token the app accepts: the same secret file
    const appToken = hostPathOf('app', env.ALERT_WEBHOOK_TOKENS_FILE!);
    expect(hostPathOf('alertmanager', '/etc/alertmanager/secrets/webhook-token')).toBe(appToken);
  });

  it('publishes only Grafana and the ingest entry point (HAProxy, lb) beyond 127.0.0.1; every other port is bound to loopback', () => {
    const open: string[] = [];
    for (const [name, svc] of Object.entries(services)) {
      for (const p of (svc.ports ?? []) as Array<string | number | { host_ip?: string; published?: unknown }>) {
        const loopback = typeof p === 'object' ? p.host_ip === '127.0.0.1' : String(p).startsWith('127.0.0.1:');
        if (!loopback) open.push(name);
      }
    }
    expect([...new Set(open)].sort()).toEqual(['grafana', 'lb']);
  });

  it('runs Prometheus without --web.enable-lifecycle (no remote shutdown or reload)', () => {
    const cmd = (services.prometheus!.command ?? []) as string[];
    expect(cmd.some((c) => c.startsWith('--web.enable-lifecycle'))).toBe(false);
    expect(cmd.some((c) => c.startsWith('--web.enable-admin-api'))).toBe(false);
  });

  it('has Prometheus scrape the service with the metrics token the service wants: one secret file', () => {
    const env = services.app!.environment as Record<string, string>;
    expect(env.METRICS_TOKENS).toBeUndefined();
    expect(env.METRICS_TOKENS_FILE).toMatch(/^\/run\/secrets\//);
    expect(read('Dockerfile')).toMatch(/for var in [^\n]*\bMETRICS_TOKENS\b/);
    const jobs = yaml('prometheus/prometheus.yml').scrape_configs as Array<{
      job_name: string;
      authorization?: { credentials_file?: string };
    }>;
    const job = jobs.find((sc) => sc.job_name === 'workshop-analytics')!;
    const file = String(job.authorization?.credentials_file);
    // relative paths are resolved against prometheus.yml's directory (/etc/prometheus in the container)
    const inContainer = path.posix.resolve('/etc/prometheus', file);
    expect(hostPathOf('prometheus', inContainer), `${inContainer} is mounted`).toBe(
      hostPathOf('app', env.METRICS_TOKENS_FILE!),
    );
  });

  it('migrates as the schema owner in a one-shot job, then runs the service as workshop_app', () => {
    const migrate = services['db-migrate']!;
    const logins = services['db-logins']!;
    const app = services.app!;
    expect(isOneShot('db-migrate') && isOneShot('db-logins')).toBe(true);
    expect(migrate.image).toBe(app.image);
    expect(migrate.environment.DATABASE_URL).toMatch(/^postgres:\/\/workshop@postgres:5432\//);
    expect(app.environment.DATABASE_URL).toMatch(/^postgres:\/\/workshop_app@postgres:5432\//);
    expect(app.environment.DATABASE_MIGRATION_URL).toBeUndefined(); // the app never has the owner's password
    expect(hostPathOf('app', app.environment.PGPASSWORD_FILE)).toBe(compose.secrets.app_db_password.file);
    expect(hostPathOf('db-migrate', migrate.environment.PGPASSWORD_FILE)).toBe(compose.secrets.postgres_password.file);
    expect(logins.depends_on['db-migrate'].condition).toBe('service_completed_successfully');
    expect(app.depends_on['db-logins'].condition).toBe('service_completed_successfully');
    expect(String(logins.command)).toMatch(/ALTER ROLE workshop_app WITH LOGIN PASSWORD/);
    expect(String(logins.command)).toMatch(/ALTER ROLE grafana_reader WITH LOGIN PASSWORD/);
  });

  it('mounts Prometheus rule files where prometheus.yml looks for them', () => {
    const cmd = (services.prometheus!.command ?? []) as string[];
    const configPath =
      cmd.find((c) => c.startsWith('--config.file='))?.split('=')[1] ?? '/etc/prometheus/prometheus.yml';
    const configHost = hostPathOf('prometheus', configPath);
    expect(configHost && rel(configHost)).toBe('prometheus/prometheus.yml');
    const prom = yaml('prometheus/prometheus.yml');
    const ruleFiles = (prom.rule_files ?? []) as string[];
    expect(ruleFiles.length).toBeGreaterThan(0);
    for (const pattern of ruleFiles) {
      const inContainer = path.posix.resolve(path.posix.dirname(configPath), pattern);
      const host = hostPathOf('prometheus', path.posix.dirname(inContainer));
      expect(host, `${pattern} (${inContainer}) is mounted`).toBeDefined();
      expect(exists(host!), `${host} exists`).toBe(true);
    }
    // every scrape target's host is a compose service (or Prometheus itself)
    for (const sc of prom.scrape_configs ?? []) {
      for (const t of (sc.static_configs ?? []).flatMap((s: { targets: string[] }) => s.targets)) {
        const host = String(t).split(':')[0]!;
        if (host !== 'localhost') expect(Object.keys(services), `${sc.job_name}: ${t}`).toContain(host);
      }
    }
  });

  it("renders Alertmanager's configuration in a one-shot job, and gives Alertmanager every file it reads", () => {
    const job = services['alertmanager-config']!;
    expect(isOneShot('alertmanager-config')).toBe(true);
    const am = services.alertmanager!;
    expect(am.depends_on['alertmanager-config'].condition).toBe('service_completed_successfully');
    // the job writes into the volume Alertmanager reads its --config.file from
    const [volume, out] = [mounts(job)[0]!.source, job.command[job.command.indexOf('--out') + 1]];
    expect(mounts(job)[0]!.target).toBe(out);
    expect(mounts(am).find((m) => m.source === volume)?.target).toBe(out);
    expect(am.command).toContain(`--config.file=${out}/alertmanager.yml`);
    // the templates it copies are in the image (Dockerfile) and the repository
    const templates = job.command[job.command.indexOf('--templates') + 1];
    expect(read('Dockerfile')).toContain(`COPY ${templates} ./${templates}`);
    expect(exists(templates)).toBe(true);
    // render with the job's own settings (compose defaults interpolated; the heartbeat URL from the secret's example)
    const env = Object.fromEntries(
      Object.entries(job.environment as Record<string, string>).map(([k, v]) => [
        k,
        String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'),
      ]),
    );
    expect(env.ALERT_HEARTBEAT_URL_FILE).toBe('/run/secrets/heartbeat_url');
    expect(job.secrets).toContain('heartbeat_url');
    env.ALERT_HEARTBEAT_URL_FILE = path.join(ROOT, `${compose.secrets.heartbeat_url.file}.example`);
    const cfg = YAML.parse(renderAlertmanagerConfig(settingsFromEnv(env))) as Record<string, unknown>;
    const files: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k.endsWith('_file') && typeof x === 'string') files.push(x);
          else walk(x);
        }
      }
    };
    walk(cfg);
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(hostPathOf('alertmanager', f), `${f} is mounted`).toBeDefined();
    expect(cfg.templates).toEqual(['templates/*.tmpl', 'links.tmpl']);
  });
});

describe('collector/otel-collector.yaml', () => {
  const cfg = yaml('collector/otel-collector.yaml');
  const kinds = ['receivers', 'processors', 'exporters', 'connectors'] as const;
  const pipelines = cfg.service.pipelines as Record<
    string,
    { receivers?: string[]; processors?: string[]; exporters?: string[] }
  >;

  it('names only defined components in its pipelines, and uses every defined component', () => {
    const used = new Set<string>();
    for (const [name, p] of Object.entries(pipelines)) {
      expect(p.receivers?.length, `${name}: receivers`).toBeGreaterThan(0);
      expect(p.exporters?.length, `${name}: exporters`).toBeGreaterThan(0);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const c of p[kind] ?? []) {
          const definedAs = kinds.filter((k) => cfg[k] && c in cfg[k]);
          // a connector is both an exporter (of one pipeline) and a receiver (of another)
          expect(
            definedAs.includes(kind) ||
              ((kind === 'receivers' || kind === 'exporters') && definedAs.includes('connectors')),
            `${name}: ${kind} ${c} is defined`,
          ).toBe(true);
          used.add(`${definedAs.includes('connectors') ? 'connectors' : kind}/${c}`);
        }
      }
    }
    for (const kind of kinds)
      for (const c of Object.keys(cfg[kind] ?? {})) expect(used.has(`${kind}/${c}`), `${kind} ${c} is used`).toBe(true);
    for (const e of (cfg.service.extensions ?? []) as string[])
      expect(cfg.extensions?.[e], `extension ${e}`).toBeDefined();
    for (const e of Object.keys(cfg.extensions ?? {}))
      expect(cfg.service.extensions ?? [], `extension ${e} enabled`).toContain(e);
  });

  it('has OTLP on 4317/4318, memory_limiter first, batch, traces to debug, metrics to a Prometheus exporter on 8889', () => {
    expect(cfg.receivers.otlp.protocols.grpc.endpoint).toMatch(/:4317$/);
    expect(cfg.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
    for (const [name, p] of Object.entries(pipelines)) {
      expect(p.processors?.[0], `${name}: memory_limiter first`).toBe('memory_limiter');
      expect(p.processors, name).toContain('batch');
    }
    expect(pipelines.traces!.exporters).toContain('debug');
    expect(pipelines.metrics!.exporters).toContain('prometheus');
    expect(cfg.exporters.prometheus.endpoint).toMatch(/:8889$/);
  });

  it('is mounted where the collector reads it, and the app sends to its OTLP/HTTP port', () => {
    const svc = services['otel-collector']!;
    const configArg =
      ((svc.command ?? []) as string[]).find((c) => c.startsWith('--config='))?.split('=')[1] ??
      '/etc/otelcol-contrib/config.yaml';
    expect(rel(hostPathOf('otel-collector', configArg) ?? '')).toBe('collector/otel-collector.yaml');
    expect(String(svc.image)).toMatch(/^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
  });
});

/** Every concrete data source uid a dashboard JSON references (not variables like ${ds}, not Grafana built-ins). */
function datasourceUids(dashboard: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const d = (v as Record<string, unknown>).datasource;
      const uid = d && typeof d === 'object' ? (d as { uid?: unknown }).uid : undefined;
      if (typeof uid === 'string' && !uid.startsWith('$') && !uid.startsWith('-- ') && uid !== 'grafana') out.add(uid);
      Object.values(v).forEach(walk);
    }
  };
  walk(dashboard);
  return out;
}

describe('grafana/provisioning', () => {
  const ds = yaml('grafana/provisioning/datasources/datasources.yaml');
  const providers = yaml('grafana/provisioning/dashboards/dashboards.yaml').providers as Array<{
    folder: string;
    options: { path: string };
  }>;

  it('provisions exactly the data sources prometheus and postgres, with unique fixed uids', () => {
    const uids = (ds.datasources as Array<{ uid: string }>).map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect([...uids].sort()).toEqual(['postgres', 'prometheus']);
    const byUid = Object.fromEntries((ds.datasources as Array<Record<string, any>>).map((d) => [d.uid, d])); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(byUid.prometheus.type).toBe('prometheus');
    expect(byUid.prometheus.url).toBe('http://prometheus:9090');
    expect(byUid.postgres.type).toBe('grafana-postgresql-datasource');
    expect(byUid.postgres.url).toBe('postgres:5432');
    expect(byUid.postgres.user).toBe('grafana_reader');
    expect(byUid.postgres.jsonData.database).toBe(services.postgres!.environment.POSTGRES_DB);
    // the password is never inline: an env or file lookup, and that file is a secret Grafana gets
    const pw = String(byUid.postgres.secureJsonData.password);
    const file = /^\$__file\{(.+)\}$/.exec(pw)?.[1];
    expect(file ?? (/^\$__env\{\w+\}$/.test(pw) ? 'env' : undefined), pw).toBeDefined();
    if (file) expect(hostPathOf('grafana', file), `${file} is mounted into grafana`).toBeDefined();
  });

  it('mounts provisioning and loads dashboards from the path compose mounts them at', () => {
    expect(rel(hostPathOf('grafana', '/etc/grafana/provisioning') ?? '')).toBe('grafana/provisioning');
    expect(providers.length).toBe(1);
    expect(providers[0]!.folder).toBe('Workshop Analytics');
    const host = hostPathOf('grafana', providers[0]!.options.path);
    expect(host && rel(host)).toBe('grafana/dashboards');
    const mount = mounts(services.grafana!).find((m) => m.target === providers[0]!.options.path);
    expect(mount, 'dashboards mounted read-only').toBeDefined();
    expect(
      String(
        (services.grafana!.volumes as string[]).find(
          (v) => typeof v === 'string' && v.includes(providers[0]!.options.path),
        ),
      ),
    ).toMatch(/:ro$/);
  });

  it('provisions every data source uid the generated dashboards reference', () => {
    const dir = path.join(ROOT, 'grafana/dashboards');
    const files =
      existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    const provisioned = new Set((ds.datasources as Array<{ uid: string }>).map((d) => d.uid));
    const referenced = new Map<string, string[]>();
    for (const f of files)
      for (const uid of datasourceUids(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))))
        referenced.set(uid, [...(referenced.get(uid) ?? []), f]);
    const unknown = [...referenced]
      .filter(([uid]) => !provisioned.has(uid))
      .map(([uid, fs]) => `${uid} (${[...new Set(fs)].join(', ')})`);
    expect(unknown).toEqual([]);
    if (files.length === 0)
      console.warn('grafana/dashboards has no dashboards yet: data source check had nothing to check');
    else expect(referenced.size).toBeGreaterThan(0);
  });

  it('finds data source uids anywhere in a dashboard (panels, targets, rows, variables)', () => {
    const sample = {
      panels: [
        { datasource: { type: 'prometheus', uid: 'prometheus' } },
        { type: 'row', panels: [{ targets: [{ datasource: { uid: 'nope' } }] }] },
      ],
      templating: { list: [{ datasource: { uid: '${ds}' } }, { datasource: { uid: 'postgres' } }] },
      annotations: { list: [{ datasource: { type: 'grafana', uid: '-- Grafana --' } }] },
    };
    expect([...datasourceUids(sample)].sort()).toEqual(['nope', 'postgres', 'prometheus']);
  });
});
