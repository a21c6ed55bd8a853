/**
 * One value per KPI for a period of several stored rows, from the rows alone, exactly — or null when the rows
 * cannot give it exactly. With one row (a report over one day, week or month) the value is that row's.
 * - counts (event counts by type, revenue, failed events): the sum;
 * - states at the window's end (the states source) and cumulative counts (total_mechanics_invited): the last
 *   period's value;
 * - rates whose numerator and denominator are count columns: recomputed from the sums (as a weekly row is);
 * - anything else (averages, medians, api_success_rate, a column added later): only for a single row.
 */
import { COUNT_COLUMNS, percent, SOURCE_COLUMNS } from '../aggregate/kpi-definitions.js';
import type { StoredKpiRow } from '../aggregate/kpi-store.js';

export type KpiRow = Readonly<Record<string, unknown>>;

/** Rates recomputed from the period's sums: [numerator columns, denominator columns]. */
export const RATIO_PARTS: Readonly<Record<string, readonly [readonly string[], readonly string[]]>> = {
  signup_conversion_rate: [['signups_completed'], ['signups_started']],
  invite_acceptance_rate: [['invites_accepted'], ['invites_sent']],
  email_success_rate: [['emails_sent'], ['emails_sent', 'emails_failed']],
  approval_rate: [['applications_approved'], ['applications_approved', 'applications_rejected']],
};

const STATES = new Set<string>([...SOURCE_COLUMNS.states, 'total_mechanics_invited']);
const SUMS = new Set<string>([...Object.keys(COUNT_COLUMNS), 'revenue_cents', 'api_errors']);

const num = (r: KpiRow, c: string): number | null => {
  const v = r[c];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** The sum of `column` over `rows`; null when no row has a value. */
export function sumOf(rows: readonly KpiRow[], column: string): number | null {
  const vs = rows.map((r) => num(r, column)).filter((v): v is number => v !== null);
  return vs.length ? vs.reduce((a, b) => a + b, 0) : null;
}

/** How `column` combines over several rows, by the rules above. */
export function combineRule(column: string): 'sum' | 'last' | 'ratio' | 'single' {
  if (SUMS.has(column)) return 'sum';
  if (STATES.has(column)) return 'last';
  if (column in RATIO_PARTS) return 'ratio';
  return 'single';
}

/** The period's value of `column` from its rows (ascending by date); null: no data or not exact. */
export function combine(rows: readonly (KpiRow | StoredKpiRow)[], column: string): number | null {
  const rs = rows as readonly KpiRow[];
  if (rs.length === 0) return null;
  if (rs.length === 1) return num(rs[0]!, column);
  switch (combineRule(column)) {
    case 'sum':
      return sumOf(rs, column);
    case 'last':
      return num(rs.at(-1)!, column);
    case 'ratio': {
      const [n, d] = RATIO_PARTS[column]!;
      const total = (cols: readonly string[]) => cols.reduce((s, c) => s + (sumOf(rs, c) ?? 0), 0);
      return percent(total(n), total(d));
    }
    case 'single':
      return null;
  }
}
