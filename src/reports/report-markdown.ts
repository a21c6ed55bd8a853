/**
 * The report as Markdown: the KPI and funnel tables. No charts: Markdown viewers (GitHub among them) do not show
 * inline SVG or data: images reliably; format=html has them. Table cells escape | and markup characters.
 */
import { formatKpi } from './kpi-labels.js';
import type { Report } from './report-model.js';
import { changeText, lineTarget, previousText, reportNotes, reportTitle, summaryText } from './report-text.js';

/** A table cell: markup characters backslash-escaped (CommonMark), so a value is only ever text. */
export function mdCell(s: string): string {
  return s.replace(/[\\`*_{}[\]()<>#!|~&]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

const table = (head: readonly string[], rows: ReadonlyArray<readonly string[]>) =>
  [
    `| ${head.map(mdCell).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ].join('\n');

export function renderMarkdown(r: Report): string {
  const kpis = r.kpis.map((k) => [
    k.label,
    formatKpi(k.value, k.unit),
    formatKpi(k.previous, k.unit),
    changeText(k),
    lineTarget(k),
    k.status ?? '',
  ]);
  const funnel = r.funnel.map((s) => [
    s.label,
    formatKpi(s.total, ''),
    s.dropOff === null ? '' : `${s.dropOff.toFixed(2)}%`,
  ]);
  return [
    `# ${mdCell(reportTitle(r))}`,
    '',
    mdCell(`${summaryText(r)} Previous period: ${previousText(r)}.`),
    '',
    '## KPIs',
    '',
    table(['KPI', 'period', 'previous', 'change', 'target', 'status'], kpis),
    '',
    ...reportNotes(r).flatMap((n) => [mdCell(n), '']),
    '## Signup funnel',
    '',
    table(['step', 'period total', 'drop-off from the step before'], funnel),
    '',
    '(Charts: ask for format=html.)',
    '',
  ].join('\n');
}
