/**
 * How a KPI column reads in a report: its label and unit, derived from the column's name (so a column added to
 * KPI_COLUMNS appears with a sensible label at once), with a few names spelt out.
 */
export type KpiUnit = '%' | 'h' | '$' | 'ms' | '';

const LABELS: Readonly<Record<string, string>> = {
  signup_conversion_rate: 'Signup conversion',
  avg_approval_time_hours: 'Average approval time',
  median_approval_time_hours: 'Median approval time',
  email_success_rate: 'Email delivery',
  api_success_rate: 'Event success rate',
  api_errors: 'Failed events',
  revenue_cents: 'Revenue',
  avg_page_load_ms: 'Average page load',
};

export function kpiLabel(column: string): string {
  const known = LABELS[column];
  if (known) return known;
  const words = column
    .replace(/_(hours|ms|cents)$/, '')
    .split('_')
    .map((w) => (w === 'pct' ? '%' : w === 'avg' ? 'average' : w));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function kpiUnit(column: string): KpiUnit {
  if (column === 'revenue_cents') return '$';
  if (column.endsWith('_rate') || column.startsWith('pct_')) return '%';
  if (column.endsWith('_hours')) return 'h';
  if (column.endsWith('_ms')) return 'ms';
  return '';
}

/** A value as the report shows it; `n/a` for no value. */
export function formatKpi(v: number | null | undefined, unit: KpiUnit): string {
  if (v === null || v === undefined) return 'n/a';
  if (unit === '$') return `$${(v / 100).toFixed(2)}`;
  if (unit === '%') return `${v.toFixed(2)}%`;
  if (unit === 'h') return `${v.toFixed(2)} h`;
  if (unit === 'ms') return `${v} ms`;
  return String(v);
}
