/**
 * The generated dashboards against real data, without Grafana: the service (real PostgreSQL) loaded with the demo
 * programme, a real Prometheus scraping it and evaluating the project's recording rules, then EVERY query of
 * every panel, template variable and annotation of grafana/dashboards/*.json run the way Grafana would run it —
 * PromQL through Prometheus' HTTP API, SQL as the read-only role grafana_reader after expanding Grafana's macros
 * and template variables — and each must return data.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo, type DemoSummary } from '../../scripts/demo/load.js';
import { withClient } from '../support/database.js';
import { ADMIN_TOKEN, INGEST_TOKEN, WEBHOOK_TOKEN, startTestService } from '../support/service.js';
import { startPrometheus, waitFor, type Proc } from '../e2e/support/stack.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const UIDS = ['workshop-overview', 'workshop-health-scorecard', 'workshop-beta-tracker'];
const DAY = 86_400_000;
const HOUR = 3_600_000;
const SEED = 20260315;

interface DsRef {
  type?: string;
  uid?: string;
}
interface Target {
  refId: string;
  datasource: DsRef;
  expr?: string;
  rawSql?: string;
  range?: boolean;
  format?: string;
}
interface Panel {
  type: string;
  title: string;
  timeFrom?: string;
  targets?: Target[];
  datasource?: DsRef;
  fieldConfig?: { defaults: { links?: Array<{ url: string }> } };
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  datasource?: DsRef;
  regex?: string;
  current?: { value: string };
}
interface Dashboard {
  uid: string;
  time: { from: string; to: string };
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Array<{ name: string; datasource: DsRef; target: Target }> };
}

/** A query as Grafana would send it, with where it comes from and the time range it runs over. */
interface Query {
  dashboard: string;
  where: string;
  ds: DsRef;
  target: Target;
  fromMs: number;
  toMs: number;
  links: string[];
}

const dashboards: Dashboard[] = UIDS.map(
  (uid) => JSON.parse(readFileSync(path.join(ROOT, `grafana/dashboards/${uid}.json`), 'utf8')) as Dashboard,
);

// ---------------------------------------------------------------------------------------------- Grafana's rules

/** "now-30d" / "30d" (a panel's relative time) → milliseconds back from now. */
function relativeMs(s: string): number {
  const m = /^(?:now-)?(\d+)([smhdw])$/.exec(s);
  if (!m) throw new Error(`unsupported relative time ${s}`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: HOUR, d: DAY, w: 7 * DAY }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
}

const intervalSeconds = (s: string) => relativeMs(s) / 1000;

/** Replaces $name, ${name}, ${name:raw} and [[name]] (the values are single, so formats do not matter). */
function substituteVariables(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g,
    (all, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      if (name.startsWith('__')) return all; // Grafana built-ins: expanded below
      if (!(name in vars)) throw new Error(`undefined template variable $${name} in: ${text}`);
      return vars[name]!;
    },
  );
}

/** Grafana's PostgreSQL macros (pkg/tsdb/grafana-postgresql-datasource/macros.go), for a time range. */
function expandSqlMacros(sql: string, fromMs: number, toMs: number): string {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const args = (s: string) => s.split(',').map((x) => x.trim());
  return sql.replace(/\$__(\w+)\(([^()]*)\)/g, (all, name: string, rawArgs: string) => {
    const [col, interval] = args(rawArgs);
    switch (name) {
      case 'timeFilter':
        return `${col} BETWEEN '${iso(fromMs)}' AND '${iso(toMs)}'`;
      case 'timeFrom':
        return `'${iso(fromMs)}'`;
      case 'timeTo':
        return `'${iso(toMs)}'`;
      case 'timeGroup':
      case 'timeGroupAlias': {
        const s = intervalSeconds(interval!);
        return `floor(extract(epoch from ${col})/${s})*${s}${name === 'timeGroupAlias' ? ' AS "time"' : ''}`;
      }
      case 'unixEpochFilter':
        return `${col} >= ${Math.floor(fromMs / 1000)} AND ${col} <= ${Math.floor(toMs / 1000)}`;
      default:
        throw new Error(`unknown macro ${all}`);
    }
  });
}

/** Grafana's Prometheus built-ins for a range. */
function expandPromBuiltins(expr: string, fromMs: number, toMs: number): string {
  const range = `${Math.round((toMs - fromMs) / 1000)}s`;
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('${__rate_interval}', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', range)
    .replaceAll('${__range}', range);
}

// ---------------------------------------------------------------------------------------------- the stack

let svc: Awaited<ReturnType<typeof startTestService>>;
let prom: Proc;
let reader: pg.Client;
let readerLogin: string;
let summary: DemoSummary;
const nowMs = Date.now();
const betaStartMs = Math.floor((nowMs - 45 * DAY) / DAY) * DAY;
const betaEndMs = betaStartMs + 60 * DAY;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function promApi(pathAndQuery: string): Promise<{ resultType: string; result: unknown }> {
  const res = await fetch(`${prom.url}${pathAndQuery}`);
  const body = (await res.json()) as { status: string; data: { resultType: string; result: unknown }; error?: string };
  if (body.status !== 'success') throw new Error(`${pathAndQuery}: ${body.error}`);
  return body.data;
}

/** Runs PromQL as Grafana would (instant, or range for range targets) and returns the finite samples. */
async function runPromql(
  expr: string,
  range: boolean,
  fromMs: number,
  toMs: number,
): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  if (range) {
    const start = Math.max(fromMs, toMs - 10 * 60_000) / 1000; // the stack has minutes of data
    const d = await promApi(
      `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${toMs / 1000}&step=5`,
    );
    return (d.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>)
      .flatMap((s) => s.values.map(([, v]) => ({ labels: s.metric, value: Number(v) })))
      .filter((s) => Number.isFinite(s.value));
  }
  const d = await promApi(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${toMs / 1000}`);
  if (d.resultType === 'scalar')
    return [{ labels: {}, value: Number((d.result as [number, string])[1]) }].filter((s) => Number.isFinite(s.value));
  return (d.result as Array<{ metric: Record<string, string>; value: [number, string] }>)
    .map((s) => ({ labels: s.metric, value: Number(s.value[1]) }))
    .filter((s) => Number.isFinite(s.value));
}

/** A login of our own that becomes grafana_reader (SET ROLE) with grafana_reader's settings: its privileges exactly. */
async function connectAsGrafanaReader(adminUrl: string): Promise<pg.Client> {
  readerLogin = `wa_dash_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await withClient(adminUrl, async (c) => {
    await c.query(`CREATE ROLE ${readerLogin} LOGIN PASSWORD '${password}' NOINHERIT`);
    await c.query(`GRANT grafana_reader TO ${readerLogin}`);
  });
  const url = new URL(adminUrl);
  url.username = readerLogin;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query('SET ROLE grafana_reader');
  const settings = await client.query<{ setting: string }>(
    `SELECT unnest(setconfig) AS setting FROM pg_db_role_setting WHERE setrole = 'grafana_reader'::regrole AND setdatabase = 0`,
  );
  for (const { setting } of settings.rows) {
    const [name, ...value] = setting.split('=');
    await client.query('SELECT set_config($1, $2, false)', [name, value.join('=')]);
  }
  return client;
}

/** Alertmanager's webhook call for alerts firing now (the open-alerts panel reads workshop_alerts). */
async function reportFiringAlerts(workshops: DemoSummary['workshops']) {
  const inactive = workshops.find((w) => w.fate === 'inactive')!;
  const stuck = workshops.find((w) => w.fate === 'stuck')!;
  const alert = (
    alertname: string,
    severity: string,
    w: { workshop_id: string; name: string },
    summaryText: string,
  ) => ({
    status: 'firing',
    labels: { alertname, severity, workshop_id: w.workshop_id, name: w.name },
    annotations: { summary: summaryText, description: summaryText },
    startsAt: new Date(nowMs - 30 * 60_000).toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: randomBytes(8).toString('hex'),
  });
  const res = await fetch(`${svc.url}/api/alerts/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body: JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'workshop-analytics-history',
      alerts: [
        alert(
          'WorkshopApplicationStuck',
          'critical',
          stuck,
          `Workshop application pending for more than 48 h: ${stuck.name}`,
        ),
        alert(
          'WorkshopChurnRisk',
          'critical',
          inactive,
          `Workshop at risk of churn: ${inactive.name} has not used the dashboard for 14 days`,
        ),
      ],
    }),
  });
  expect(res.status, await res.text()).toBe(200);
}

beforeAll(async () => {
  svc = await startTestService({
    BETA_START: isoDate(betaStartMs),
    BETA_END: isoDate(betaEndMs),
    AGGREGATOR_MODE: 'off',
  });
  summary = await loadDemo({
    serviceUrl: svc.url,
    ingestToken: INGEST_TOKEN,
    adminToken: ADMIN_TOKEN,
    nowMs,
    seed: SEED,
  });
  await reportFiringAlerts(summary.workshops);
  await svc.aggregator.refresher.refresh();
  reader = await connectAsGrafanaReader(svc.databaseUrl);
  // the service URL stands in for Alertmanager: nothing here needs notifications
  prom = await startPrometheus({ service: svc.url, alertmanager: svc.url });
  // a few evaluation cycles: every recording rule has samples, increase() has two points
  await waitFor(
    'the recording rules to have data',
    async () =>
      (await runPromql('workshop:email_failures:increase1h', false, nowMs, Date.now())).length > 0 &&
      (await runPromql('workshop_id:health_score:max', false, nowMs, Date.now())).length > 0,
    60_000,
    () => prom.output().slice(-2000),
  );
  await new Promise((r) => setTimeout(r, 3000));
}, 240_000);

afterAll(async () => {
  await reader?.end().catch(() => {});
  await prom?.stop();
  if (svc) {
    if (readerLogin) await withClient(svc.databaseUrl, (c) => c.query(`DROP ROLE IF EXISTS ${readerLogin}`));
    await svc.stop();
  }
});

// ---------------------------------------------------------------------------------------------- variables

/** Resolves a dashboard's template variables the way Grafana does at load, returning name → value. */
async function resolveVariables(d: Dashboard, toMs: number): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const v of d.templating.list) {
    if (v.type === 'datasource') {
      vars[v.name] = v.current!.value;
      continue;
    }
    expect(v.type, `variable ${v.name}`).toBe('query');
    const query = substituteVariables(String(v.query), vars);
    if (v.datasource?.uid === 'postgres') {
      const rows = (
        await reader.query<{ __value: string; __text: string }>(
          expandSqlMacros(query, toMs - relativeMs(d.time.from), toMs),
        )
      ).rows;
      expect(rows.length, `variable ${v.name} has options`).toBeGreaterThan(0);
      for (const r of rows) expect(r.__value && r.__text, `variable ${v.name} gives __value and __text`).toBeTruthy();
      // the scorecard is read for an active workshop of the demo (the health score exists for active ones only)
      const active = summary.workshops.find((w) => w.fate === 'active')!;
      const row = rows.find((r) => r.__value === active.workshop_id);
      expect(row?.__text).toContain(active.name);
      vars[v.name] = row!.__value;
    } else {
      const m = /^query_result\((.*)\)$/s.exec(query);
      expect(m, `variable ${v.name} is query_result(...)`).toBeTruthy();
      const samples = await runPromql(m![1]!, false, toMs, toMs);
      expect(samples.length, `variable ${v.name}: ${m![1]}`).toBeGreaterThan(0);
      const text = String(samples[0]!.value);
      const regex = v.regex ? new RegExp(v.regex.replace(/^\/|\/$/g, '')) : null;
      vars[v.name] = regex ? regex.exec(text)![1]! : text;
    }
  }
  return vars;
}

function queriesOf(d: Dashboard, toMs: number): Query[] {
  const out: Query[] = [];
  for (const p of d.panels.filter((x) => x.type !== 'row')) {
    const fromMs = toMs - relativeMs(p.timeFrom ?? d.time.from);
    const links = (p.fieldConfig?.defaults.links ?? []).map((l) => l.url);
    for (const t of p.targets ?? [])
      out.push({
        dashboard: d.uid,
        where: `panel "${p.title}" ${t.refId}`,
        ds: t.datasource,
        target: t,
        fromMs,
        toMs,
        links,
      });
  }
  for (const a of d.annotations.list)
    out.push({
      dashboard: d.uid,
      where: `annotation "${a.name}"`,
      ds: a.datasource,
      target: a.target,
      fromMs: toMs - relativeMs(d.time.from),
      toMs,
      links: [],
    });
  return out;
}

// ---------------------------------------------------------------------------------------------- the proof

describe.each(UIDS)('dashboard %s on real data', (uid) => {
  const d = dashboards.find((x) => x.uid === uid)!;

  it('every data source it references is provisioned', () => {
    const provisioned = provisionedDatasources();
    for (const q of queriesOf(d, nowMs)) {
      const ref =
        q.ds.uid === '${datasource}'
          ? d.templating.list.find((v) => v.name === 'datasource')!.current!.value
          : q.ds.uid;
      expect(provisioned.get(ref!), `${q.where}: data source ${q.ds.uid}`).toBe(q.ds.type);
    }
  });

  it('every PromQL query returns data from Prometheus', async () => {
    const toMs = Date.now();
    const vars = await resolveVariables(d, toMs);
    const promql = queriesOf(d, toMs).filter((q) => q.target.expr !== undefined);
    const empty: string[] = [];
    for (const q of promql) {
      const expr = expandPromBuiltins(substituteVariables(q.target.expr!, vars), q.fromMs, q.toMs);
      const samples = await runPromql(expr, q.target.range === true, q.fromMs, q.toMs);
      if (samples.length === 0) empty.push(`${q.where}: ${expr}`);
      // data links resolve: ${__field.labels.x} needs the label on the series
      for (const m of q.links.join(' ').matchAll(/\$\{__field\.labels\.(\w+)\}/g)) {
        for (const s of samples) expect(s.labels[m[1]!], `${q.where}: link label ${m[1]}`).toMatch(/\S/);
      }
    }
    expect(empty, 'queries without data').toEqual([]);
    expect(promql.length).toBeGreaterThan(0);
  });

  it('every SQL query (panels, variables, annotations) returns rows as grafana_reader', async () => {
    const toMs = Date.now();
    const vars = await resolveVariables(d, toMs);
    const sqlQueries = queriesOf(d, toMs).filter((q) => q.target.rawSql !== undefined);
    expect(sqlQueries.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const q of sqlQueries) {
      const text = expandSqlMacros(substituteVariables(q.target.rawSql!, vars), q.fromMs, q.toMs);
      try {
        const r = await reader.query(text);
        const hasValue = r.rows.some((row: Record<string, unknown>) => Object.values(row).some((v) => v !== null));
        if (!hasValue) failures.push(`${q.where}: no rows with a value\n${text}`);
        // data links resolve: ${__data.fields.x} needs the column, with values
        for (const m of q.links.join(' ').matchAll(/\$\{__data\.fields\.(\w+)\}/g)) {
          if (!r.rows.some((row: Record<string, unknown>) => row[m[1]!]))
            failures.push(`${q.where}: its link needs a "${m[1]}" column with values`);
        }
        if (q.target.format === 'time_series' && !r.fields.some((f) => f.name === 'time'))
          failures.push(`${q.where}: time series without a "time" column`);
        if (
          q.where.startsWith('annotation') &&
          !['time', 'text', 'tags'].every((c) => r.fields.some((f) => f.name === c))
        )
          failures.push(`${q.where}: needs time, text and tags`);
      } catch (err) {
        failures.push(`${q.where}: ${(err as Error).message}\n${text}`);
      }
    }
    expect(failures, 'SQL queries that failed or returned nothing').toEqual([]);
  });
});

describe('the read-only role', () => {
  it('is what the SQL queries ran as: grafana_reader, read-only', async () => {
    const r = await reader.query<{ current_user: string; ro: string }>(
      `SELECT current_user, current_setting('default_transaction_read_only') AS ro`,
    );
    expect(r.rows[0]).toEqual({ current_user: 'grafana_reader', ro: 'on' });
    await expect(reader.query(`DELETE FROM workshop_alerts`)).rejects.toThrow(
      /read-only transaction|permission denied/,
    );
    // and without the event log's personal columns: the panels above read them through grafana_events
    await expect(reader.query(`SELECT ip_address FROM workshop_events LIMIT 1`)).rejects.toThrow(/permission denied/);
  });
});

/** uid → type of the provisioned data sources (grafana/provisioning/datasources/datasources.yaml). */
function provisionedDatasources(): Map<string, string> {
  const file = YAML.parse(
    readFileSync(path.join(ROOT, 'grafana/provisioning/datasources/datasources.yaml'), 'utf8'),
  ) as { datasources: Array<{ uid: string; type: string }> };
  return new Map(file.datasources.map((d) => [d.uid, d.type]));
}
