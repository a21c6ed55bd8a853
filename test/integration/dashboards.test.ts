/**
 * The generated dashboards against real data, without Grafana: the service (real PostgreSQL) loaded with the demo
 * programme, a real Prometheus scraping it and evaluating the project's recording rules, then EVERY query of
 * every panel, template variable and annotation of grafana/dashboards/*.json run the way Grafana would run it —
 * PromQL through Prometheus' HTTP API, SQL as the read-only role grafana_reader after expanding Grafana's macros
 * and template variables — and each must return data.
 *
 * The Workshop Overview's stat panels are also checked for their values: each must equal what the demo programme's
 * raw events give by the documented definitions (docs/metrics.md, docs/kpis.md), computed in the test
 * (test/support/live-gauges-reference.ts), never by the service's KPI or gauge code. The panels are "now"-relative
 * (rolling 24 h / 7 days, ages, a 1 h increase), so the programme ends at the test's start rather than at a fixed
 * date; it is deterministic from there: a fixed seed, the stored log exactly the programme's events, and the live
 * gauges refreshed once at a chosen instant.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo, type DemoSummary } from '../../scripts/demo/load.js';
import { demoProgramme } from '../../scripts/demo/programme.js';
import { withClient } from '../support/database.js';
import { connectAsGrafanaReader, type GrafanaReader } from '../support/grafana-reader.js';
import {
  betaApprovals,
  countBetween,
  liveGauges,
  percent1,
  type LiveGauges,
} from '../support/live-gauges-reference.js';
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
  multi?: boolean;
  includeAll?: boolean;
  query: unknown;
  datasource?: DsRef;
  regex?: string;
  current?: { value: string | string[] };
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

/** A variable's value: one (single-value variables), or the selection of a multi-value one (here always All). */
type Vars = Record<string, string | string[]>;

/**
 * Replaces $name, ${name}, ${name:raw} and [[name]]. A single value goes in as it is; a multi-value selection as
 * Grafana's data sources format it by default: SQL (PostgreSQL data source) quoted, `'` doubled, comma-separated;
 * PromQL (Prometheus data source) as a regular expression `(a|b)` of the values with regex metacharacters escaped.
 */
function substituteVariables(text: string, vars: Vars, lang: 'sql' | 'promql'): string {
  const regexEscape = (v: string) => v.replace(/[\\^$*+?.()|{}[\]]/g, '\\\\$&');
  return text.replace(
    /\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g,
    (all, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      if (name.startsWith('__')) return all; // Grafana built-ins: expanded below
      if (!(name in vars)) throw new Error(`undefined template variable $${name} in: ${text}`);
      const v = vars[name]!;
      if (typeof v === 'string') return v;
      return lang === 'sql'
        ? v.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')
        : `(${v.map(regexEscape).join('|')})`;
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
let alertmanager: http.Server | undefined;
let reader: pg.Client;
let readerSession: GrafanaReader | undefined;
let summary: DemoSummary;
const nowMs = Date.now();
const betaStartMs = Math.floor((nowMs - 45 * DAY) / DAY) * DAY;
const betaEndMs = betaStartMs + 60 * DAY;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** What loadDemo loads: demoProgramme is pure, so the same (nowMs, seed) gives the same events, ids included. */
const programme = demoProgramme(nowMs, SEED);
const EMAIL_FAILED = /^email_.+_failed$/;
/** The beta workshops of the programme (first approved within the beta window), in milestone order. */
const beta = betaApprovals(programme.events, betaStartMs, betaEndMs);
const MILESTONE_SUMMARY = `Beta target achieved! ${beta.length} workshops onboarded`;
const emailFailures = programme.events.filter((e) => EMAIL_FAILED.test(e.type)).length;
/** No earlier than Prometheus' first sample of the event counters, all at 0 (seconds). */
let countersFirstSeenS: number;
/** The instant the live gauges were refreshed at (their "now"). */
let refreshMs: number;

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

/** The single value of an instant query now, or undefined when it returns nothing. */
async function promValue(expr: string): Promise<number | undefined> {
  const now = Date.now();
  return (await runPromql(expr, false, now, now))[0]?.value;
}

/** Alertmanager's webhook call for alerts firing now (the open-alerts panel reads workshop_alerts). */
async function reportFiringAlerts(workshops: DemoSummary['workshops']) {
  const inactive = workshops.find((w) => w.fate === 'inactive')!;
  const stuck = workshops.find((w) => w.fate === 'stuck')!;
  const lowAcceptance = workshops.find((w) => w.fate === 'low_acceptance')!;
  const alert = (
    alertname: string,
    severity: string,
    w: { workshop_id: string; name: string } | null,
    summaryText: string,
    labels: Record<string, string> = {},
  ) => ({
    status: 'firing',
    labels: { alertname, severity, ...(w ? { workshop_id: w.workshop_id, name: w.name } : {}), ...labels },
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
        // dashboard notifications (the overview's Notifications table, the beta tracker's banner)
        alert(
          'WorkshopLowInviteAcceptance',
          'warning',
          lowAcceptance,
          `Workshop ${lowAcceptance.name} has low invite acceptance (need support?)`,
          { audience: 'dashboard' },
        ),
        alert('WorkshopBetaMilestoneReached', 'info', null, MILESTONE_SUMMARY, {
          audience: 'dashboard',
          kpi: 'beta_milestone',
          milestone: 'target_max',
        }),
      ],
    }),
  });
  expect(res.status, await res.text()).toBe(200);
}

beforeAll(async () => {
  svc = await startTestService({
    BETA_START: isoDate(betaStartMs),
    BETA_END: isoDate(betaEndMs),
    AGGREGATOR_MODE: 'inline', // exports the KPI gauges; startTestService runs no schedule
    // The programme emits its own mechanic_invite_expired events at 7 days. The service's expiry check (run by
    // loadDemo) would add events of its own for invitations that pass 7 days between the programme's end and the
    // check; with a TTL past 7 days it finds none, so the stored log is exactly the programme's events.
    INVITE_TTL_DAYS: '8',
  });
  // Nothing here needs notifications: Alertmanager is a stand-in that accepts anything and has no metrics. (Not
  // the service's URL: Prometheus scrapes its Alertmanager too, and a second scrape of the service would look like
  // a second replica — every sum over counters doubled.)
  alertmanager = http.createServer((_req, res) => res.end());
  alertmanager.listen(0, '127.0.0.1');
  await once(alertmanager, 'listening');
  const alertmanagerUrl = `http://127.0.0.1:${(alertmanager.address() as AddressInfo).port}`;
  prom = await startPrometheus({ service: svc.url, alertmanager: alertmanagerUrl });
  // Prometheus scrapes the event counters at 0 before the first event arrives, as it would in production, so
  // increase() sees every stored event (a counter first scraped at its final value would show no increase).
  countersFirstSeenS = await waitFor(
    'Prometheus to scrape the event counters at 0',
    async () =>
      // 3 email types x 2 outcomes, all at 0; now is no earlier than their first sample
      (await promValue(`count(workshop_events_total{type=~"email_.+_failed"} == 0)`)) === 6 && Date.now() / 1000,
    30_000,
    () => prom.output().slice(-2000),
  );
  summary = await loadDemo({
    serviceUrl: svc.url,
    ingestToken: INGEST_TOKEN,
    adminToken: ADMIN_TOKEN,
    nowMs,
    seed: SEED,
  });
  await reportFiringAlerts(summary.workshops);
  await insertRatings();
  refreshMs = awayFromWindowEdges(Date.now());
  await svc.aggregator.refresher.refresh(refreshMs);
  const refreshedS = Date.now() / 1000;
  readerSession = await connectAsGrafanaReader(svc.databaseUrl);
  reader = readerSession.client;
  // A scrape taken after the refresh; then every recording rule has samples evaluated (twice over) on it, and
  // Prometheus has watched the counters long enough that increase()'s extrapolation to the end of its range adds
  // less than half an event to the email failures (at most one scrape interval, 1 s, in 3N + 5 s: < 0.5 for any N).
  const scrapedS = await waitFor(
    'a scrape of the refreshed gauges',
    async () => {
      const ts = await promValue('timestamp(workshop_active_workshops)');
      return ts !== undefined && ts > refreshedS && ts;
    },
    30_000,
    () => prom.output().slice(-2000),
  );
  // The API error rate divides by the requests counted in the last hour, and a (route, status) series of
  // workshop_http_request_duration_seconds appears with its first request, which increase() cannot count: each poll
  // answers one more admin request (200) until Prometheus has counted one.
  await waitFor(
    'an API request counted by workshop:http_requests:increase1h',
    async () => {
      const res = await fetch(`${svc.url}/api/alerts?status=open`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status, await res.text()).toBe(200);
      return ((await promValue('workshop:http_requests:increase1h')) ?? 0) > 0;
    },
    60_000,
    () => prom.output().slice(-2000),
  );
  await waitFor(
    'the recording rules to be evaluated on the refreshed gauges',
    async () => {
      const evaluatedS = await promValue('timestamp(workshop:active_workshops:max)');
      return (
        evaluatedS !== undefined &&
        evaluatedS > scrapedS + 2 &&
        evaluatedS - countersFirstSeenS >= 3 * emailFailures + 5 &&
        (await promValue('workshop:email_failures:increase1h')) !== undefined &&
        (await runPromql('workshop_id:health_score:max', false, nowMs, Date.now())).length > 0
      );
    },
    120_000,
    () => prom.output().slice(-2000),
  );
}, 240_000);

/**
 * Ratings beside the demo programme's own session_rated events, written as the schema owner straight into the log
 * (tagged `test_inserted`): ones the beta tracker's "Avg workshop satisfaction" must count, and ones it must leave
 * out — another workshop, before the beta, and values ingest would refuse (not an integer 1-5) that an older log
 * could still hold.
 */
interface Rating {
  workshopId: string;
  atMs: number;
  rating: unknown;
}
const RATINGS: () => Rating[] = () => {
  const notBeta = summary.workshops.find((w) => w.fate === 'pending')!.workshop_id;
  return [
    { workshopId: beta[0]!.workshopId, atMs: nowMs - 2 * DAY, rating: 5 },
    { workshopId: beta[1]!.workshopId, atMs: nowMs - 3 * DAY, rating: 4 },
    { workshopId: beta[2]!.workshopId, atMs: nowMs - 1 * DAY, rating: 4 },
    { workshopId: beta[0]!.workshopId, atMs: nowMs - 10 * DAY, rating: 3 },
    { workshopId: beta[1]!.workshopId, atMs: nowMs - 4 * DAY, rating: 5 },
    // left out: not a beta workshop; before BETA_START; not an integer 1-5
    { workshopId: notBeta, atMs: nowMs - 2 * DAY, rating: 1 },
    { workshopId: beta[0]!.workshopId, atMs: betaStartMs - DAY, rating: 1 },
    { workshopId: beta[0]!.workshopId, atMs: nowMs - 2 * DAY, rating: 7 },
    { workshopId: beta[0]!.workshopId, atMs: nowMs - 2 * DAY, rating: '1' },
    { workshopId: beta[0]!.workshopId, atMs: nowMs - 2 * DAY, rating: 1.5 },
  ];
};
async function insertRatings() {
  await withClient(svc.databaseUrl, async (c) => {
    for (const r of RATINGS()) {
      await c.query('SELECT workshop_events_ensure_partition($1)', [new Date(r.atMs)]);
      await c.query(
        `INSERT INTO workshop_events (id, occurred_at, event_type, event_category, workshop_id, metadata)
         VALUES (gen_random_uuid(), $1, 'session_rated', 'activity', $2, $3)`,
        [new Date(r.atMs), r.workshopId, JSON.stringify({ rating: r.rating, test_inserted: true })],
      );
    }
  });
}

/**
 * A refresh instant with no event exactly 24 hours or 7 days before it, where "the last 24 hours" would depend on
 * whether the window's start is included.
 */
function awayFromWindowEdges(ms: number): number {
  const times = new Set(programme.events.map((e) => Date.parse(e.occurred_at)));
  let at = ms;
  while (times.has(at - DAY) || times.has(at - 7 * DAY)) at++;
  return at;
}

afterAll(async () => {
  await prom?.stop();
  await new Promise((r) => (alertmanager ? alertmanager.close(r) : r(undefined)));
  if (svc) {
    await readerSession?.close();
    await svc.stop();
  }
});

// ---------------------------------------------------------------------------------------------- variables

/** Resolves a dashboard's template variables the way Grafana does at load, returning name → value. */
async function resolveVariables(d: Dashboard, toMs: number): Promise<Vars> {
  const vars: Vars = {};
  for (const v of d.templating.list) {
    if (v.type === 'datasource') {
      vars[v.name] = v.current!.value as string;
      continue;
    }
    expect(v.type, `variable ${v.name}`).toBe('query');
    const query = substituteVariables(String(v.query), vars, v.datasource?.uid === 'postgres' ? 'sql' : 'promql');
    if (v.datasource?.uid === 'postgres' && v.multi) {
      // region, city: multi-value with All, the default; All selects every option
      expect(v.includeAll, `variable ${v.name} offers All`).toBe(true);
      expect(v.current?.value, `variable ${v.name} defaults to All`).toEqual(['$__all']);
      const rows = (await reader.query<{ __value: string; __text: string }>(query)).rows;
      expect(rows.length, `variable ${v.name} has options`).toBeGreaterThan(0);
      vars[v.name] = rows.map((r) => r.__value);
    } else if (v.datasource?.uid === 'postgres') {
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
          ? (d.templating.list.find((v) => v.name === 'datasource')!.current!.value as string)
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
      const expr = expandPromBuiltins(substituteVariables(q.target.expr!, vars, 'promql'), q.fromMs, q.toMs);
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
      const text = expandSqlMacros(substituteVariables(q.target.rawSql!, vars, 'sql'), q.fromMs, q.toMs);
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

// ---------------------------------------------------------------------------------------------- the values

/** What a stat panel must show. */
interface StatExpectation {
  /** null: no value (the query returns nothing, or SQL NULL), so the panel shows its noValue text. */
  expected: number | null;
  /** Compared to this many decimals (ratios, averages, ages from timestamps); exact when absent. */
  digits?: number;
  /** A counter's increase, shown with 0 decimals: at least the count (extrapolation only adds), rounding to it. */
  shownRounded?: boolean;
}

interface StatContext {
  /** The live gauges as the one refresh (at refreshMs) should have exported them. */
  gauges: LiveGauges;
  /** The rule evaluation the recorded series were read from (seconds): `time()` of the age rules. */
  evalS: number;
  /** The panel's SQL time range. */
  fromMs: number;
  toMs: number;
}

const overview = dashboards.find((d) => d.uid === 'workshop-overview')!;
const statPanels = overview.panels.filter((p) => p.type === 'stat');
const count = (types: string[]) => (c: StatContext) => ({
  expected: countBetween(programme.events, types, c.fromMs, c.toMs),
});
const pendingAges = (c: StatContext) => [...c.gauges.pendingSubmittedMs.values()].map((ms) => c.evalS - ms / 1000);
const ratio = (part: number, whole: number) => ({ expected: whole === 0 ? null : part / whole, digits: 12 });

/** Every stat panel of the Workshop Overview, by title: its value from the programme's raw events. */
const OVERVIEW_STATS: Record<string, (c: StatContext) => StatExpectation> = {
  'Signup conversion (24 h)': ({ gauges: g }) => ratio(g.signupsCompleted24h, g.signupsStarted24h),
  'Pending applications': ({ gauges: g }) => ({ expected: g.pendingSubmittedMs.size }),
  'Oldest application': (c) => {
    const ages = pendingAges(c);
    return { expected: ages.length ? Math.max(...ages) : null, digits: 2 };
  },
  'Average wait': (c) => {
    const ages = pendingAges(c);
    return { expected: ages.length ? ages.reduce((a, b) => a + b, 0) / ages.length : null, digits: 2 };
  },
  'Waiting more than 24 h': (c) => ({ expected: pendingAges(c).filter((age) => age > 24 * 3600).length }),
  'Average decision time (7 days)': ({ gauges: g }) => ({ expected: g.approvalTimeAvg7dSeconds, digits: 3 }),
  'Decisions behind the average': ({ gauges: g }) => ({ expected: g.approvals7d }),
  'Invitations sent (7 days)': count(['mechanic_invited']),
  'Invitations accepted (7 days)': count(['mechanic_invite_accepted']),
  'Invite acceptance (7 days)': (c) => ({
    expected: percent1(count(['mechanic_invite_accepted'])(c).expected, count(['mechanic_invited'])(c).expected),
  }),
  'Invitations expired (7 days)': count(['mechanic_invite_expired']),
  'Emails sent (24 h)': ({ gauges: g }) => ({ expected: g.emailsSent24h }),
  'Emails failed (24 h)': ({ gauges: g }) => ({ expected: g.emailsFailed24h }),
  'Email success rate (24 h)': ({ gauges: g }) => ratio(g.emailsSent24h, g.emailsSent24h + g.emailsFailed24h),
  // Failed emails STORED in the last hour: every one of the programme's, all posted within the last hour and
  // after Prometheus first scraped the counters (at 0).
  'Email failures (1 h)': () => ({ expected: emailFailures, shownRounded: true }),
  'Total active': ({ gauges: g }) => ({ expected: g.activeWorkshops }),
  // No request of this test was answered 5xx: loadDemo throws on any error answer but a 503 it retries, which the
  // fresh service (no overload, database up) never sends, and the other requests are checked for their 2xx.
  'API error rate (1 h)': () => ({ expected: 0 }),
};

describe('the Workshop Overview stat panels on the demo programme', () => {
  it('has a value computed from the raw events for every stat panel', () => {
    expect(statPanels.map((p) => p.title).sort()).toEqual(Object.keys(OVERVIEW_STATS).sort());
  });

  it('reads a database holding exactly the programme events the expectations are computed from', async () => {
    expect(summary.events).toMatchObject({ sent: programme.events.length, accepted: programme.events.length });
    // (and the ratings insertRatings wrote, which no overview stat panel reads)
    const stored = await withClient(svc.databaseUrl, (c) =>
      c.query<{ id: string }>(
        `SELECT id::text AS id FROM workshop_events WHERE NOT coalesce(metadata ? 'test_inserted', false) ORDER BY id`,
      ),
    );
    expect(stored.rows.map((r) => r.id)).toEqual(programme.events.map((e) => e.id).sort());
  });

  it('gives the panels something to show: pending applications, active workshops, emails sent and failed', () => {
    const g = liveGauges(programme.events, refreshMs);
    expect(g.pendingSubmittedMs.size).toBe(2); // the stuck application and the one just in
    expect(g.activeWorkshops).toBe(6);
    expect(g.emailsSent24h).toBeGreaterThan(0);
    expect(emailFailures).toBeGreaterThan(0);
  });

  it.each(statPanels.map((p) => p.title))(
    'stat panel "%s" equals its value computed from the raw events',
    async (title) => {
      const panel = statPanels.find((p) => p.title === title)!;
      expect(panel.targets).toHaveLength(1);
      const target = panel.targets![0]!;
      // "now" of the panel: whole seconds as Grafana's $__timeFilter renders them, a second back so that every
      // rule evaluation up to it has been written
      const toMs = Math.floor(Date.now() / 1000) * 1000 - 1000;
      const fromMs = toMs - relativeMs(panel.timeFrom ?? overview.time.from);
      let actual: number | null;
      let evalS = NaN;
      if (target.expr !== undefined) {
        const vars = await resolveVariables(overview, toMs);
        const expr = expandPromBuiltins(substituteVariables(target.expr, vars, 'promql'), fromMs, toMs);
        const samples = await runPromql(expr, false, fromMs, toMs);
        expect(samples.length, expr).toBeLessThanOrEqual(1);
        actual = samples[0]?.value ?? null;
        // the recording rules are evaluated together: the age rule's sample timestamp is the time() of this value
        evalS = (await runPromql('max(timestamp(workshop_id:application_pending_age:seconds))', false, toMs, toMs))[0]!
          .value;
      } else {
        const rows = (await reader.query(expandSqlMacros(target.rawSql!, fromMs, toMs))).rows as Array<
          Record<string, unknown>
        >;
        expect(rows).toHaveLength(1);
        const value = Object.values(rows[0]!)[0];
        actual = value === null ? null : Number(value);
      }
      const check = OVERVIEW_STATS[title]!({ gauges: liveGauges(programme.events, refreshMs), evalS, fromMs, toMs });

      if (check.expected === null) expect(actual).toBeNull();
      else if (check.shownRounded) {
        expect(actual).toBeGreaterThanOrEqual(check.expected);
        expect(Math.round(actual!)).toBe(check.expected);
      } else if (check.digits !== undefined) expect(actual).toBeCloseTo(check.expected, check.digits);
      else expect(actual).toBe(check.expected);
    },
  );
});

describe('the beta milestone: one definition in the gauges, the alert, the table and the annotation', () => {
  const tracker = dashboards.find((d) => d.uid === 'workshop-beta-tracker')!;
  /** BETA_TARGET_MIN and BETA_TARGET_MAX of the test service (the defaults). */
  const [MIN, MAX] = [3, 5];

  it('the programme has beta workshops past both targets', () => {
    expect(beta.length).toBeGreaterThanOrEqual(MAX);
  });

  it('workshop_beta_workshops and the milestone timestamps equal the first approvals computed from the raw events', async () => {
    expect(await promValue('workshop:beta_workshops:max')).toBe(beta.length);
    const now = Date.now();
    const milestones = await runPromql('milestone:beta_milestone_timestamp_seconds:max', false, now, now);
    expect(Object.fromEntries(milestones.map((m) => [m.labels.milestone, m.value]))).toEqual({
      target_min: beta[MIN - 1]!.approvedAtMs / 1000,
      target_max: beta[MAX - 1]!.approvedAtMs / 1000,
    });
  });

  it('the "Beta milestone" annotation marks those approvals; the "Beta workshops" table lists the same workshops in order', async () => {
    const toMs = Date.now();
    const vars = await resolveVariables(tracker, toMs);
    expect(vars).toMatchObject({ beta_target_min: String(MIN), beta_target_max: String(MAX) });
    const run = async (rawSql: string) =>
      (
        await reader.query(
          expandSqlMacros(substituteVariables(rawSql, vars, 'sql'), toMs - relativeMs(tracker.time.from), toMs),
        )
      ).rows as Array<Record<string, unknown>>;
    const annotation = await run(tracker.annotations.list.find((a) => a.name === 'Beta milestone')!.target.rawSql!);
    expect(annotation.map((r) => [(r.time as Date).getTime(), r.text])).toEqual([
      [
        beta[MIN - 1]!.approvedAtMs,
        expect.stringMatching(new RegExp(`^Beta target reached: ${MIN} beta workshops \\(`)),
      ],
      [
        beta[MAX - 1]!.approvedAtMs,
        expect.stringMatching(new RegExp(`^Beta target reached: ${MAX} beta workshops \\(`)),
      ],
    ]);
    const table = await run(tracker.panels.find((p) => p.title === 'Beta workshops')!.targets![0]!.rawSql!);
    expect(table.map((r) => r.workshop_id)).toEqual(beta.map((b) => b.workshopId));
  });

  it('the demo load is a backfill of approvals that occurred days ago: WorkshopBetaMilestoneReached is not even pending', async () => {
    // the milestones' approvals occurred more than 12 h before now (occurred_at), however recently they were stored
    for (const n of [MIN, MAX]) expect(refreshMs - beta[n - 1]!.approvedAtMs).toBeGreaterThan(12 * HOUR);
    expect(await runPromql('ALERTS{alertname="WorkshopBetaMilestoneReached"}', false, Date.now(), Date.now())).toEqual(
      [],
    );
  });

  it('the banner shows the open milestone notification the service received from Alertmanager', async () => {
    const banner = tracker.panels.find((p) => p.title === 'Beta milestone notification')!;
    expect((await reader.query(banner.targets![0]!.rawSql!)).rows).toEqual([{ banner: MILESTONE_SUMMARY }]);
  });
});

describe('segments, rejection reasons and the beta success metrics on the demo programme', () => {
  const tracker = dashboards.find((d) => d.uid === 'workshop-beta-tracker')!;
  const panel = (d: Dashboard, title: string) => d.panels.find((p) => p.type !== 'row' && p.title === title)!;
  const runSql = async (d: Dashboard, p: Panel, vars: Vars) => {
    const toMs = Date.now();
    const fromMs = toMs - relativeMs(p.timeFrom ?? d.time.from);
    const text = expandSqlMacros(substituteVariables(p.targets![0]!.rawSql!, vars, 'sql'), fromMs, toMs);
    return (await reader.query(text)).rows as Array<Record<string, unknown>>;
  };

  it('the region variable offers the regions of the demo cities by the documented mapping', async () => {
    const vars = await resolveVariables(overview, Date.now());
    // docs/regions.md, written out: the ten demo cities
    expect([...(vars.region as string[])].sort()).toEqual(
      [
        'Central Ontario', // Barrie
        'Eastern Ontario', // Kingston
        'GTA', // Toronto, Mississauga
        'Hamilton',
        'Kitchener-Waterloo', // Kitchener
        'London',
        'Northern Ontario', // Sudbury
        'Ottawa',
        'Southwestern Ontario', // Windsor
      ].sort(),
    );
  });

  it('when the region GTA is selected, then the map, the pending list and the health bars keep only GTA workshops', async () => {
    const all = await resolveVariables(overview, Date.now());
    const gta: Vars = { ...all, region: ['GTA'], city: ['Mississauga', 'Toronto'] };
    const map = panel(overview, 'Active workshops');
    const everyActive = await runSql(overview, map, all);
    const gtaActive = await runSql(overview, map, gta);
    expect(gtaActive.length).toBeGreaterThan(0);
    expect(gtaActive.map((r) => r.workshop_id).sort()).toEqual(
      everyActive
        .filter((r) => ['Toronto', 'Mississauga'].includes(r.city as string))
        .map((r) => r.workshop_id)
        .sort(),
    );
    expect(new Set(gtaActive.map((r) => r.region))).toEqual(new Set(['GTA']));
    // Toronto only, by the city variable
    const toronto = await runSql(overview, map, { ...gta, city: ['Toronto'] });
    expect(toronto.map((r) => r.city)).toEqual(everyActive.filter((r) => r.city === 'Toronto').map((r) => r.city));

    const pending = panel(overview, 'Applications waiting');
    const everyPending = await runSql(overview, pending, all);
    expect((await runSql(overview, pending, gta)).map((r) => r.workshop_id)).toEqual(
      everyPending.filter((r) => ['Toronto', 'Mississauga'].includes(r.city as string)).map((r) => r.workshop_id),
    );

    const health = panel(overview, 'Health score by workshop').targets![0]!.expr!;
    const now = Date.now();
    const everyScore = await runPromql(substituteVariables(health, all, 'promql'), false, now, now);
    const gtaScores = await runPromql(substituteVariables(health, gta, 'promql'), false, now, now);
    expect(gtaScores.length).toBeGreaterThan(0);
    expect(gtaScores.map((s) => s.labels.workshop_id).sort()).toEqual(
      everyScore
        .filter((s) => ['Toronto', 'Mississauga'].includes(s.labels.city!))
        .map((s) => s.labels.workshop_id)
        .sort(),
    );
  });

  it('"Rejection reasons (30 days)" counts the rejections of the last 30 days per reason, and follows the region', async () => {
    const vars = await resolveVariables(overview, Date.now());
    const p = panel(overview, 'Rejection reasons (30 days)');
    const since = Date.now() - 30 * DAY;
    const expected = new Map<string, number>();
    for (const e of programme.events)
      if (e.type === 'workshop_rejected' && Date.parse(e.occurred_at!) >= since) {
        const reason = (e.metadata?.reason as string | undefined) ?? '(no reason given)';
        expected.set(reason, (expected.get(reason) ?? 0) + 1);
      }
    expect(expected.size).toBeGreaterThan(0);
    const rows = await runSql(overview, p, vars);
    expect(rows.map((r) => [r.reason, Number(r.rejections)])).toEqual([...expected]);
    // the rejected demo workshop is in Kitchener: none in Ottawa
    expect(await runSql(overview, p, { ...vars, region: ['Ottawa'] })).toEqual([]);
  });

  it('"Avg workshop satisfaction" is the mean rating 1-5 of beta workshops within the beta window', async () => {
    const vars = await resolveVariables(tracker, Date.now());
    const betaIds = new Set(beta.map((b) => b.workshopId));
    const demoRatings: Rating[] = programme.events
      .filter((e) => e.type === 'session_rated')
      .map((e) => ({
        workshopId: e.workshop_id as string,
        atMs: Date.parse(e.occurred_at),
        rating: (e.metadata as { rating: unknown }).rating,
      }));
    const inserted = RATINGS();
    const counted = [...demoRatings, ...inserted].filter(
      (r) =>
        betaIds.has(r.workshopId) &&
        r.atMs >= betaStartMs &&
        r.atMs < betaEndMs &&
        typeof r.rating === 'number' &&
        [1, 2, 3, 4, 5].includes(r.rating),
    );
    expect(inserted.filter((r) => counted.includes(r)).map((r) => r.rating)).toEqual([5, 4, 4, 3, 5]);
    const mean = counted.reduce((a, r) => a + (r.rating as number), 0) / counted.length;
    const rows = await runSql(tracker, panel(tracker, 'Avg workshop satisfaction'), vars);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.satisfaction)).toBeCloseTo(mean, 1);
  });

  it('"Platform uptime" is the share of successful scrapes of the service over the beta window: all of them here', async () => {
    const now = Date.now();
    const vars = await resolveVariables(tracker, now);
    expect(vars.beta_days).toBe(String(Math.ceil((betaEndMs - betaStartMs) / DAY)));
    const expr = substituteVariables(panel(tracker, 'Platform uptime').targets![0]!.expr!, vars, 'promql');
    const samples = await runPromql(expr, false, now, now);
    expect(samples).toHaveLength(1);
    expect(samples[0]!.value).toBe(1);
  });

  it("has the readiness checklist with the plan's manual items beside the automatic checks", () => {
    const checklist = tracker.panels.find((p) => p.title === 'Readiness checklist') as Panel & {
      options: { content: string };
    };
    expect(checklist.type).toBe('text');
    expect(checklist.options.content).toMatch(/Document common issues/);
    expect(checklist.options.content).toMatch(/Corporate features pending \(Phase 2\)/);
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
