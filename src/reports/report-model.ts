/**
 * A period report, as data: every KPI column's period value next to the previous period's and its target, the
 * signup funnel with its step drop-off, and the charts' daily series. Pure: the rows come in, nothing is read.
 * Driven by the KPI column list and the targets (aggregate/kpi-definitions.ts, aggregate/thresholds.ts): a new
 * column or target appears here without a change.
 */
import { percent } from '../aggregate/kpi-definitions.js';
import { meetsTarget, type KpiTarget } from '../policy/index.js';
import type { ChartSpec } from './charts.js';
import { combine, sumOf, type KpiRow } from './kpi-combine.js';
import { formatKpi, kpiLabel, kpiUnit, type KpiUnit } from './kpi-labels.js';
import { periodDays, type ReportPeriod } from './report-period.js';

export type TargetStatus = 'met' | 'missed' | 'no data';

export interface KpiLine {
  column: string;
  label: string;
  unit: KpiUnit;
  value: number | null;
  previous: number | null;
  target: KpiTarget | null;
  status: TargetStatus | null;
}

export interface FunnelStep {
  column: string;
  label: string;
  total: number | null;
  /** Percent of the previous step's total that did not reach this step; null for the first step or no data. */
  dropOff: number | null;
}

export interface Report {
  period: ReportPeriod;
  timeZone: string;
  /** Periods of the report (and of the previous period) without a stored row. */
  missing: string[];
  previousMissing: string[];
  kpis: KpiLine[];
  funnel: FunnelStep[];
  charts: ChartSpec[];
}

export interface ReportInput {
  period: ReportPeriod;
  timeZone: string;
  /** The KPI columns in order (KPI_COLUMNS). */
  columns: readonly string[];
  targets: Readonly<Record<string, KpiTarget>>;
  beta: { targetMin: number; targetMax: number };
  /** Stored rows of the period's type: the period's and the previous period's; daily rows of the period's days. */
  rows: readonly KpiRow[];
  previousRows: readonly KpiRow[];
  dailyRows: readonly KpiRow[];
}

/** The funnel's steps in order; a step is shown when the rows have its column. */
export const FUNNEL_COLUMNS = [
  'signups_started',
  'signups_step_1',
  'signups_step_2',
  'signups_step_3',
  'signups_submitted',
  'signups_completed',
] as const;

const byDate = (rows: readonly KpiRow[]) => new Map(rows.map((r) => [String(r.metric_date), r]));

export function targetStatus(v: number | null, t: KpiTarget | null): TargetStatus | null {
  if (!t) return null;
  const met = meetsTarget(v, t);
  return met === null ? 'no data' : met ? 'met' : 'missed';
}

export const targetText = (t: KpiTarget, unit: KpiUnit) =>
  t.op === 'between'
    ? `${formatKpi(t.value[0], unit)}-${formatKpi(t.value[1], unit)}`
    : `${t.op} ${formatKpi(t.value, unit)}`;

export function buildReport(input: ReportInput): Report {
  const { period, columns, targets } = input;
  const ordered = (rows: readonly KpiRow[], dates: readonly string[]) => {
    const m = byDate(rows);
    return dates.map((d) => m.get(d)).filter((r): r is KpiRow => r !== undefined);
  };
  const rows = ordered(input.rows, period.dates);
  const previousRows = ordered(input.previousRows, period.previousDates);
  const have = (dates: readonly string[], rs: readonly KpiRow[]) => {
    const m = byDate(rs);
    return dates.filter((d) => !m.has(d));
  };
  const kpis = columns.map((column): KpiLine => {
    const value = combine(rows, column);
    const target = targets[column] ?? null;
    return {
      column,
      label: kpiLabel(column),
      unit: kpiUnit(column),
      value,
      previous: combine(previousRows, column),
      target,
      status: targetStatus(value, target),
    };
  });
  const funnelColumns = FUNNEL_COLUMNS.filter((c) => columns.includes(c) || rows.some((r) => c in r));
  const funnel = funnelColumns.map((column, i): FunnelStep => {
    const total = sumOf(rows, column);
    const before = i === 0 ? null : sumOf(rows, funnelColumns[i - 1]!);
    const dropOff = total === null || before === null ? null : percent(before - total, before);
    return { column, label: kpiLabel(column), total, dropOff };
  });
  return {
    period,
    timeZone: input.timeZone,
    missing: have(period.dates, rows),
    previousMissing: have(period.previousDates, previousRows),
    kpis,
    funnel,
    charts: reportCharts(input, funnel),
  };
}

/** The daily charts: which KPIs each shows and its reference lines (targets of those KPIs, the beta range). */
function reportCharts(input: ReportInput, funnel: readonly FunnelStep[]): ChartSpec[] {
  const days = periodDays(input.period);
  const daily = byDate(input.dailyRows);
  const values = (column: string) =>
    days.map((d) => {
      const v = daily.get(d)?.[column];
      return typeof v === 'number' ? v : null;
    });
  const series = (cols: readonly string[]) =>
    cols.filter((c) => input.columns.includes(c)).map((c) => ({ column: c, name: kpiLabel(c), values: values(c) }));
  const targetLines = (cols: readonly string[]) =>
    cols.flatMap((c) => {
      const t = input.targets[c];
      return t && input.columns.includes(c)
        ? // a range target (active workshops: the beta target) is drawn from the configured beta range instead
          t.op === 'between'
          ? []
          : [{ name: `${kpiLabel(c)} target ${targetText(t, kpiUnit(c))}`, value: t.value }]
        : [];
    });
  const chart = (id: string, title: string, cols: readonly string[], extra: ChartSpec['lines'] = []): ChartSpec => ({
    id,
    title,
    unit: kpiUnit(cols[0]!),
    days,
    series: series(cols),
    lines: [...targetLines(cols), ...extra],
  });
  const funnelChart: ChartSpec = {
    id: 'signup-funnel',
    title: 'Signup funnel per day (drop-off from the step before, over the period)',
    unit: '',
    days,
    series: funnel.map((s) => ({
      column: s.column,
      name: s.dropOff === null ? s.label : `${s.label} (−${s.dropOff.toFixed(2)}%)`,
      values: values(s.column),
    })),
    lines: [],
  };
  const { targetMin, targetMax } = input.beta;
  return [
    funnelChart,
    chart('approval-time', 'Approval time per day against its target', [
      'avg_approval_time_hours',
      'median_approval_time_hours',
    ]),
    chart('email-success', 'Email delivery per day', ['email_success_rate']),
    chart(
      'active-workshops',
      'Active workshops (day end) against the beta target',
      ['active_workshops'],
      [
        { name: `beta target min ${targetMin}`, value: targetMin },
        { name: `beta target max ${targetMax}`, value: targetMax },
      ],
    ),
    chart('invite-acceptance', 'Invite acceptance per day', ['invite_acceptance_rate']),
  ].filter((c) => c.series.length > 0);
}
