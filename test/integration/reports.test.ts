/**
 * Period reports against the real service: a seeded scenario, KPI rows computed by the backfill API, then every
 * number of GET /api/reports/kpi checked against GET /api/metrics for the same period (the expected values are
 * computed here from the API's rows, not by the report code).
 */
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPI_COLUMNS, SOURCE_COLUMNS } from '../../src/aggregate/kpi-definitions.js';
import { KpiStore } from '../../src/aggregate/kpi-store.js';
import { KPI_TARGETS, type KpiTarget } from '../../src/aggregate/thresholds.js';
import { loadReport } from '../../src/reports/report-service.js';
import { generateScenario } from '../support/scenario.js';
import { ADMIN_TOKEN, postEvents, startTestService } from '../support/service.js';

type Row = Record<string, number | string | null>;
let svc: Awaited<ReturnType<typeof startTestService>>;

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
async function metrics(type: string, from: string, to: string): Promise<Row[]> {
  const res = await fetch(`${svc.url}/api/metrics?${new URLSearchParams({ type, from, to })}`, { headers: admin });
  expect(res.status).toBe(200);
  return ((await res.json()) as { rows: Row[] }).rows;
}
async function report(q: Record<string, string>) {
  const res = await fetch(`${svc.url}/api/reports/kpi?${new URLSearchParams(q)}`, { headers: admin });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}
/** The report's CSV as one record per KPI (no cell of this report holds a comma or quote). */
async function csvReport(q: Record<string, string>): Promise<Map<string, Record<string, string>>> {
  const r = await report({ ...q, format: 'csv' });
  expect(r.status).toBe(200);
  expect(r.type).toMatch(/^text\/csv/);
  const [head, ...lines] = r.body.trimEnd().split('\n');
  const cols = head!.split(',');
  return new Map(
    lines.map((l) => {
      const rec = Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v]));
      return [rec.kpi!, rec];
    }),
  );
}
const cell = (v: number | string | null | undefined) => (v === null || v === undefined ? '' : String(v));
const num = (r: Row, c: string) => Number(r[c] ?? 0);
/** Percent to 2 decimals, as docs/kpis.md defines the rates. */
const pct = (a: number, b: number) => (b === 0 ? null : Math.round((10_000 * a) / b) / 100);

/** The expected value of each KPI over several rows: docs/kpis.md's definitions applied to the API's rows. */
function expectedOver(rows: Row[], c: string): number | null {
  const sum = (col: string) => rows.reduce((s, r) => s + num(r, col), 0);
  if (c === 'signup_conversion_rate') return pct(sum('signups_completed'), sum('signups_started'));
  if (c === 'invite_acceptance_rate') return pct(sum('invites_accepted'), sum('invites_sent'));
  if (c === 'email_success_rate') return pct(sum('emails_sent'), sum('emails_sent') + sum('emails_failed'));
  if (c === 'approval_rate')
    return pct(sum('applications_approved'), sum('applications_approved') + sum('applications_rejected'));
  // states at the period's end, and the cumulative invitation count: the last row's
  if ([...SOURCE_COLUMNS.states, 'total_mechanics_invited'].includes(c as never))
    return rows.at(-1)![c] as number | null;
  // averages, medians and the event success rate cannot be exact from several rows
  if (/^(avg_|median_)/.test(c) || c.endsWith('_rate')) return null;
  return sum(c);
}

beforeAll(async () => {
  svc = await startTestService({ METRICS_TZ: 'UTC' });
  const { events } = generateScenario(1212, '2026-03-02T00:00:00Z', 21);
  for (let i = 0; i < events.length; i += 1000)
    expect((await postEvents(svc.url, { events: events.slice(i, i + 1000) })).status).toBe(202);
  for (const type of ['daily', 'weekly', 'monthly']) {
    const res = await fetch(`${svc.url}/api/cron/workshop-metrics`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ startDate: '2026-03-02', endDate: '2026-03-22', backfill: true, type }),
    });
    expect(res.status).toBe(200);
  }
}, 120_000);
afterAll(async () => svc?.stop());

describe('GET /api/reports/kpi: every number equals GET /api/metrics for the same period', () => {
  it('one week: each KPI is the weekly row, the previous period the week before, targets judged', async () => {
    const [week] = await metrics('weekly', '2026-03-09', '2026-03-09');
    const [before] = await metrics('weekly', '2026-03-02', '2026-03-02');
    const csv = await csvReport({ type: 'weekly', from: '2026-03-09', to: '2026-03-15' });
    expect([...csv.keys()]).toEqual([...KPI_COLUMNS]);
    for (const c of KPI_COLUMNS) {
      const rec = csv.get(c)!;
      expect([rec.value, rec.previous], c).toEqual([cell(week![c]), cell(before![c])]);
      expect([rec.period_start, rec.period_end, rec.previous_start, rec.previous_end]).toEqual([
        '2026-03-09',
        '2026-03-15',
        '2026-03-02',
        '2026-03-08',
      ]);
      const t = (KPI_TARGETS as Readonly<Record<string, KpiTarget>>)[c];
      const v = week![c] as number | null;
      const met = (x: number, g: KpiTarget) =>
        g.op === 'between' ? x >= g.value[0] && x <= g.value[1] : g.op === '>' ? x > g.value : x < g.value;
      const status = !t ? '' : v === null ? 'no data' : met(v, t) ? 'met' : 'missed';
      expect(rec.status, c).toBe(status);
    }
    // the scenario has data for the targets
    expect(['met', 'missed']).toContain(csv.get('signup_conversion_rate')!.status);
  });

  it('seven days: counts summed, states at the end, rates from the sums, averages and medians n/a', async () => {
    const days = await metrics('daily', '2026-03-09', '2026-03-15');
    const before = await metrics('daily', '2026-03-02', '2026-03-08');
    expect(days).toHaveLength(7);
    const csv = await csvReport({ type: 'daily', from: '2026-03-09', to: '2026-03-15' });
    for (const c of KPI_COLUMNS) {
      const rec = csv.get(c)!;
      expect([rec.value, rec.previous], c).toEqual([cell(expectedOver(days, c)), cell(expectedOver(before, c))]);
    }
    expect(Number(csv.get('signups_started')!.value)).toBeGreaterThan(0);
    // the week's sums are the weekly row's counts
    const [week] = await metrics('weekly', '2026-03-09', '2026-03-09');
    for (const c of ['signups_started', 'invites_sent', 'emails_failed', 'signup_conversion_rate'])
      expect(csv.get(c)!.value, c).toBe(cell(week![c]));
  });

  it('html: the KPI table shows the same numbers, five charts parse as SVG, their series are the daily rows', async () => {
    const r = await report({ type: 'weekly', from: '2026-03-09', to: '2026-03-09', format: 'html' });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/html/);
    const [week] = await metrics('weekly', '2026-03-09', '2026-03-09');
    const cells = new Map(
      [...r.body.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1]!, m[2]!] as const),
    );
    expect(cells.get('Signups started')).toBe(String(week!.signups_started));
    expect(cells.get('Invites sent')).toBe(String(week!.invites_sent));
    expect(cells.get('Signup conversion')).toBe(`${Number(week!.signup_conversion_rate).toFixed(2)}%`);
    expect(cells.get('Revenue')).toBe(`$${(num(week!, 'revenue_cents') / 100).toFixed(2)}`);
    const svgs = r.body.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(5);
    for (const svg of svgs) expect(XMLValidator.validate(svg)).toBe(true);

    const days = await metrics('daily', '2026-03-09', '2026-03-15');
    const rep = await loadReport(
      new KpiStore(svc.pool),
      { type: 'weekly', from: '2026-03-09', to: '2026-03-09' },
      {
        timeZone: 'UTC',
        beta: svc.config.beta,
      },
    );
    for (const chart of rep.charts)
      for (const s of chart.series) expect(s.values, `${chart.id} ${s.column}`).toEqual(days.map((d) => d[s.column]));
  });

  it('one month: each KPI is the monthly row of GET /api/metrics', async () => {
    const [month] = await metrics('monthly', '2026-03-01', '2026-03-01');
    expect(month).toBeDefined();
    const csv = await csvReport({ type: 'monthly', from: '2026-03-05', to: '2026-03-20' });
    for (const c of KPI_COLUMNS) expect(csv.get(c)!.value, c).toBe(cell(month![c]));
    expect(csv.get('signups_started')!.period_start).toBe('2026-03-01');
    expect(csv.get('signups_started')!.period_end).toBe('2026-03-31');
  });

  it('md is the tables as Markdown; bad queries are 400 naming the field; no token is 401', async () => {
    const md = await report({ type: 'weekly', from: '2026-03-09', to: '2026-03-09', format: 'md' });
    expect(md.status).toBe(200);
    expect(md.type).toMatch(/^text\/markdown/);
    expect(md.body).toContain('| KPI | period | previous | change | target | status |');
    const bad = await report({ type: 'yearly', from: '2026-03-01', to: '2026-03-31' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('type');
    const reversed = await report({ from: '2026-03-10', to: '2026-03-09' });
    expect(reversed.status).toBe(400);
    expect(JSON.parse(reversed.body).error.details[0].path).toBe('to');
    const long = await report({ from: '2025-01-01', to: '2026-03-09' });
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body).error.message).toContain('at most 366 days (got 433)');
    const res = await fetch(`${svc.url}/api/reports/kpi?from=2026-03-09&to=2026-03-09`);
    expect(res.status).toBe(401);
  });
});
