/**
 * The report as one self-contained HTML file: inline CSS, the charts as inline SVG, no script, nothing loaded.
 * Every text is escaped; the SVG comes from ECharts, which escapes the texts it writes.
 */
import { formatKpi } from './kpi-labels.js';
import type { RenderedChart } from './charts.js';
import type { Report } from './report-model.js';
import { changeText, lineTarget, previousText, reportNotes, reportTitle, summaryText } from './report-text.js';

export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px; color: #1f2328; max-width: 960px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #d0d7de; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.met { color: #1a7f37; } .missed { color: #cf222e; font-weight: 600; } .no-data { color: #6e7781; }
figure { margin: 16px 0; } figcaption { font-size: 12px; color: #57606a; }
.notes { font-size: 12px; color: #57606a; }
`.trim();

const statusClass = (s: string) => s.replace(' ', '-');

export function renderHtml(r: Report, charts: readonly RenderedChart[]): string {
  const e = escapeHtml;
  const title = reportTitle(r);
  const kpiRows = r.kpis.map((k) => {
    const status = k.status ? `<span class="${statusClass(k.status)}">${e(k.status)}</span>` : '';
    const cells = [formatKpi(k.value, k.unit), formatKpi(k.previous, k.unit), changeText(k), lineTarget(k)];
    return `<tr><td>${e(k.label)}</td>${cells.map((c) => `<td>${e(c)}</td>`).join('')}<td>${status}</td></tr>`;
  });
  const funnelRows = r.funnel.map(
    (s) =>
      `<tr><td>${e(s.label)}</td><td>${e(formatKpi(s.total, ''))}</td>` +
      `<td>${e(s.dropOff === null ? '' : `${s.dropOff.toFixed(2)}%`)}</td></tr>`,
  );
  const figures = charts.map(
    (c) => `<figure id="chart-${e(c.id)}">\n${c.svg}\n<figcaption>${e(c.title)}</figcaption>\n</figure>`,
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${e(title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
<h1>${e(title)}</h1>
<p>${e(summaryText(r))} Previous period: ${e(previousText(r))}.</p>
<h2>KPIs</h2>
<table>
<thead><tr><th>KPI</th><th>period</th><th>previous</th><th>change</th><th>target</th><th>status</th></tr></thead>
<tbody>
${kpiRows.join('\n')}
</tbody>
</table>
${reportNotes(r)
  .map((n) => `<p class="notes">${e(n)}</p>`)
  .join('\n')}
<h2>Signup funnel</h2>
<table>
<thead><tr><th>step</th><th>period total</th><th>drop-off from the step before</th></tr></thead>
<tbody>
${funnelRows.join('\n')}
</tbody>
</table>
<h2>Daily charts</h2>
${figures.join('\n')}
</body>
</html>
`;
}
