/**
 * A report, read and rendered: the stored KPI rows of the period, of the previous period and the period's daily
 * rows (KpiStore.read, the same rows GET /api/metrics answers), built into a Report and rendered as HTML, Markdown
 * or CSV. The API (report-routes.ts) and `npm run report` (scripts/report.ts) both call this.
 */
import { KPI_COLUMNS } from '../aggregate/kpi-definitions.js';
import type { KpiStore, MetricType } from '../aggregate/kpi-store.js';
import { KPI_TARGETS } from '../policy/index.js';
import { renderCharts } from './charts.js';
import { buildReport, type Report } from './report-model.js';
import { renderCsv } from './report-csv.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import { reportPeriod, type ReportType } from './report-period.js';

export const REPORT_FORMATS = ['html', 'md', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportRequest {
  type: ReportType;
  from: string;
  to: string;
}

export interface ReportSettings {
  timeZone: string;
  beta: { targetMin: number; targetMax: number };
}

export async function loadReport(
  store: Pick<KpiStore, 'read'>,
  q: ReportRequest,
  settings: ReportSettings,
): Promise<Report> {
  const period = reportPeriod(q.type, q.from, q.to);
  const type: MetricType = q.type;
  const [rows, previousRows, dailyRows] = await Promise.all([
    store.read(type, period.dates[0]!, period.dates.at(-1)!),
    store.read(type, period.previousDates[0]!, period.previousDates.at(-1)!),
    store.read('daily', period.firstDay, period.lastDay),
  ]);
  const asRows = (rs: readonly object[]) => rs as unknown as ReadonlyArray<Readonly<Record<string, unknown>>>;
  return buildReport({
    period,
    timeZone: settings.timeZone,
    columns: KPI_COLUMNS,
    targets: KPI_TARGETS,
    beta: settings.beta,
    rows: asRows(rows),
    previousRows: asRows(previousRows),
    dailyRows: asRows(dailyRows),
  });
}

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export async function renderReport(r: Report, format: ReportFormat): Promise<string> {
  if (format === 'csv') return renderCsv(r);
  if (format === 'md') return renderMarkdown(r);
  return renderHtml(r, await renderCharts(r.charts));
}
