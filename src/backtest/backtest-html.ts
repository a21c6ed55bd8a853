/**
 * The HTML answer: the summary table, then one timeline per alert (a row per labelled series, a bar per firing,
 * baseline above and what-if below when --set is given), drawn as SVG by Apache ECharts in Node as the reports
 * draw their charts (src/reports/charts.ts). No generation time in it: the same run gives the same file.
 */
import type * as Echarts from 'echarts';
import { stableIds } from '../reports/charts.js';
import type { AlertFirings, BacktestRun } from './backtest-service.js';
import { rfc3339, summarise } from './backtest-output.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const WIDTH = 900;
const COLOURS = ['#3b6ea5', '#c0392b'];

/** A row's name: its workshop (or other distinguishing labels), without the rule's own labels. */
function rowName(a: AlertFirings): string {
  const { alertname: _, severity: _s, audience: _a, kpi: _k, ...rest } = a.labels as Record<string, string>;
  const parts = Object.entries(rest).map(([k, v]) => (k === 'workshop_id' ? v.slice(0, 8) : `${k}=${v}`));
  return parts.join(' ') || '(programme)';
}

export function timelineOption(
  name: string,
  sets: ReadonlyArray<{ label: string; alerts: readonly AlertFirings[] }>,
  fromMs: number,
  toMs: number,
): { option: Echarts.EChartsCoreOption; height: number } {
  const rows = [...new Set(sets.flatMap((s) => s.alerts.filter((a) => a.alertname === name).map(rowName)))].sort();
  const height = 110 + Math.max(1, rows.length) * 22;
  const half = sets.length > 1;
  const series = sets.map((s, i) => ({
    name: s.label,
    type: 'custom',
    itemStyle: { color: COLOURS[i] },
    renderItem: (
      _params: unknown,
      api: { value: (d: number) => number; coord: (v: number[]) => number[]; size: (v: number[]) => number[] },
    ) => {
      const [x0, y] = api.coord([api.value(1), api.value(0)]);
      const [x1] = api.coord([api.value(2), api.value(0)]);
      const band = api.size([0, 1])[1]! * 0.7;
      const h = half ? band / 2 : band;
      const top = y! - band / 2 + (half && i === 1 ? h : 0);
      return {
        type: 'rect',
        shape: { x: x0, y: top, width: Math.max(1, x1! - x0!), height: h },
        style: { fill: COLOURS[i] },
      };
    },
    encode: { x: [1, 2], y: 0 },
    data: s.alerts
      .filter((a) => a.alertname === name)
      .flatMap((a) => a.firing.map((f) => [rows.indexOf(rowName(a)), f.startMs, f.endMs ?? toMs])),
  }));
  return {
    height,
    option: {
      animation: false,
      useUTC: true,
      textStyle: { fontFamily: 'Helvetica, Arial, sans-serif' },
      title: { text: name, left: 8, top: 6, textStyle: { fontSize: 14 } },
      legend: { top: 30, left: 8, data: sets.map((s) => s.label) },
      grid: { left: 110, right: 24, top: 64, bottom: 36 },
      xAxis: { type: 'time', min: fromMs, max: toMs },
      yAxis: { type: 'category', data: rows.length ? rows : ['(none)'], inverse: true },
      series,
    },
  };
}

let echartsModule: Promise<typeof Echarts> | undefined;

async function renderTimeline(id: string, opt: { option: Echarts.EChartsCoreOption; height: number }): Promise<string> {
  const echarts = await (echartsModule ??= import('echarts'));
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: opt.height });
  try {
    chart.setOption(opt.option);
    return stableIds(chart.renderToSVGString(), id);
  } finally {
    chart.dispose();
  }
}

export async function backtestHtml(run: BacktestRun, alertNames: readonly string[]): Promise<string> {
  const { range, results } = run;
  const labels = results.length > 1 ? ['baseline', 'what-if'] : ['fired'];
  const sets = results.map((r, i) => ({ label: labels[i]!, alerts: r.alerts }));
  const sums = results.map((r) => summarise(r.alerts, range.toMs));
  const head = labels.map((l) => `<th>${l}: firings</th><th>hours</th><th>workshops</th>`).join('');
  const rows = alertNames
    .map((n) => {
      const cells = sums
        .map((m) => m.get(n) ?? { firings: 0, hours: 0, workshops: 0 })
        .map((s) => `<td>${s.firings}</td><td>${s.hours.toFixed(1)}</td><td>${s.workshops}</td>`)
        .join('');
      return `<tr><th scope="row">${esc(n)}</th>${cells}</tr>`;
    })
    .join('\n');
  const charts: string[] = [];
  for (const [i, n] of alertNames.entries()) {
    const svg = await renderTimeline(`alert-${i}`, timelineOption(n, sets, range.fromMs, range.toMs));
    charts.push(`<section><h2>${esc(n)}</h2>\n${svg}\n</section>`);
  }
  const title = `Alert backtest ${rfc3339(range.fromMs)} – ${rfc3339(range.toMs)}`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}th[scope=row]{text-align:left}</style></head>
<body>
<h1>${esc(title)}</h1>
<p>Step ${range.stepMs / 1000} s. Each alert's rules evaluated by Prometheus over the series rebuilt from the event
log; a bar is one firing (from the evaluation it fired to the one that resolved it).</p>
<table>
<tr><th>alert</th>${head}</tr>
${rows}
</table>
${charts.join('\n')}
</body>
</html>
`;
}
