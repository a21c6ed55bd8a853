/** The report's KPI table as CSV (formula-neutralised cells, http/csv.ts): one line per KPI. */
import { toCsv } from '../http/csv.js';
import type { Report } from './report-model.js';

export const REPORT_CSV_COLUMNS = [
  'kpi',
  'label',
  'unit',
  'period_start',
  'period_end',
  'value',
  'previous_start',
  'previous_end',
  'previous',
  'target_op',
  'target_value',
  'status',
] as const;

export function renderCsv(r: Report): string {
  const p = r.period;
  return toCsv(
    REPORT_CSV_COLUMNS,
    r.kpis.map((k) => ({
      kpi: k.column,
      label: k.label,
      unit: k.unit,
      period_start: p.firstDay,
      period_end: p.lastDay,
      value: k.value,
      previous_start: p.previousFirstDay,
      previous_end: p.previousLastDay,
      previous: k.previous,
      target_op: k.target?.op,
      // a range target as lo..hi (one cell)
      target_value: k.target?.op === 'between' ? `${k.target.value[0]}..${k.target.value[1]}` : k.target?.value,
      status: k.status,
    })),
  );
}
