import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { KPI_COLUMNS } from '../../../src/aggregate/kpi-definitions.js';
import { KPI_TARGETS } from '../../../src/aggregate/thresholds.js';
import { digestHtml } from '../../../src/alerts/digest-html.js';
import { chartOption, renderChart, renderCharts, type ChartSpec } from '../../../src/reports/charts.js';
import { buildReport } from '../../../src/reports/report-model.js';
import { reportPeriod } from '../../../src/reports/report-period.js';
import { renderReport } from '../../../src/reports/report-service.js';

const HOSTILE = '<script>alert(1)</script>&"\'';
const days = ['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15'];

function report(columns: readonly string[] = KPI_COLUMNS, timeZone = 'UTC') {
  return buildReport({
    period: reportPeriod('weekly', '2026-03-09', '2026-03-15'),
    timeZone,
    columns,
    targets: KPI_TARGETS,
    beta: { targetMin: 3, targetMax: 5 },
    rows: [{ metric_date: '2026-03-09', signups_started: 10, signups_completed: 6, signup_conversion_rate: 60 }],
    previousRows: [{ metric_date: '2026-03-02', signups_started: 8 }],
    dailyRows: days.map((d, i) => ({
      metric_date: d,
      signups_started: i + 1,
      signups_completed: i,
      avg_approval_time_hours: 20 + i,
      median_approval_time_hours: 18 + i,
      email_success_rate: 95 + i / 2,
      active_workshops: i,
      invite_acceptance_rate: i % 2 ? null : 70,
    })),
  });
}

/** Every text node of a parsed SVG, flattened. */
function texts(node: unknown): string[] {
  if (typeof node === 'string' || typeof node === 'number') return [String(node)];
  if (Array.isArray(node)) return node.flatMap(texts);
  if (node && typeof node === 'object') return Object.values(node).flatMap(texts);
  return [];
}

describe('charts (Apache ECharts, server-side SVG)', () => {
  const r = report();

  it('every chart is well-formed SVG with one series per KPI shown, each named in the legend', async () => {
    expect(r.charts).toHaveLength(5);
    for (const spec of r.charts) {
      const c = await renderChart(spec);
      expect(XMLValidator.validate(c.svg), spec.id).toBe(true);
      const doc = new XMLParser({ ignoreAttributes: false }).parse(c.svg);
      expect(doc.svg, spec.id).toBeDefined();
      const series = (chartOption(spec) as { series: Array<{ name: string; type: string }> }).series;
      expect(series.map((s) => s.name)).toEqual(spec.series.map((s) => s.name));
      expect(new Set(spec.series.map((s) => s.column)).size).toBe(spec.series.length);
      const words = texts(doc).join('\n');
      for (const s of spec.series) expect(words, `${spec.id}: ${s.name}`).toContain(s.name);
    }
  });

  it('the same chart renders to the same SVG every time, its ids named after the chart', async () => {
    const a = (await renderChart(r.charts[1]!)).svg;
    await renderChart(r.charts[0]!); // another chart in between: zrender's own counter moves on
    expect((await renderChart(r.charts[1]!)).svg).toBe(a);
    expect(a).not.toMatch(/zr\d+-/);
    expect(a).toContain('approval-time-cls-0');
  });

  it('a hostile series name is escaped: the SVG stays well-formed and has no script element', async () => {
    const spec: ChartSpec = {
      id: 'hostile',
      title: HOSTILE,
      unit: '',
      days: ['2026-03-09'],
      series: [{ column: 'x', name: HOSTILE, values: [1] }],
      lines: [{ name: HOSTILE, value: 1 }],
    };
    const { svg } = await renderChart(spec);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain('<script');
  });
});

describe('report formats', () => {
  it('html: one self-contained file, every chart inline and well-formed, every text escaped', async () => {
    const html = await renderReport(report([...KPI_COLUMNS, HOSTILE], HOSTILE), 'html');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|href=/);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(5);
    for (const svg of svgs) expect(XMLValidator.validate(svg)).toBe(true);
  });

  it('md: the KPI and funnel tables, markup characters escaped', async () => {
    const md = await renderReport(report([...KPI_COLUMNS, HOSTILE]), 'md');
    expect(md).toContain('| Signups started | 10 | 8 | +2 |  |  |');
    expect(md).toContain('| Signup conversion | 60.00% | n/a |  | \\> 60.00% | missed |');
    expect(md).toContain('\\<script\\>alert\\(1\\)\\</script\\>');
    expect(md).not.toMatch(/(^|[^\\])<script/m); // every < is backslash-escaped: literal text in CommonMark
  });

  it('csv: one line per KPI with target and status; a text that would be a formula is neutralised', async () => {
    const csv = (await renderReport(report([...KPI_COLUMNS, '=cmd|calc']), 'csv')).trimEnd().split('\n');
    expect(csv[0]).toBe(
      'kpi,label,unit,period_start,period_end,value,previous_start,previous_end,previous,target_op,target_value,status',
    );
    expect(csv).toContain(
      'signup_conversion_rate,Signup conversion,%,2026-03-09,2026-03-15,60,2026-03-02,2026-03-08,,>,60,missed',
    );
    expect(csv).toHaveLength(KPI_COLUMNS.length + 2);
    expect(csv.at(-1)!.startsWith("'=cmd|calc,'=cmd|calc,")).toBe(true);
  });
});

describe('the weekly digest email’s HTML part', () => {
  it('has the text lines escaped and the charts inline', async () => {
    const charts = await renderCharts(report().charts);
    const html = digestHtml(
      { subject: `Digest ${HOSTILE}`, text: `Week ${HOSTILE}\n\n• Signups: 3 ${HOSTILE}\n\nDashboard: http://g/d\n` },
      charts,
    );
    expect(html).not.toContain('<script');
    expect(html).toContain('<li>Signups: 3 &lt;script&gt;');
    expect(html.match(/<svg[\s\S]*?<\/svg>/g)).toHaveLength(5);
  });
});
