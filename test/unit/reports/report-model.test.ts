import { describe, expect, it } from 'vitest';
import { KPI_COLUMNS } from '../../../src/aggregate/kpi-definitions.js';
import { KPI_TARGETS } from '../../../src/aggregate/thresholds.js';
import { combine } from '../../../src/reports/kpi-combine.js';
import { buildReport, type ReportInput } from '../../../src/reports/report-model.js';
import { reportPeriod } from '../../../src/reports/report-period.js';

const input = (over: Partial<ReportInput> = {}): ReportInput => ({
  period: reportPeriod('weekly', '2026-03-09', '2026-03-09'),
  timeZone: 'UTC',
  columns: KPI_COLUMNS,
  targets: KPI_TARGETS,
  beta: { targetMin: 3, targetMax: 5 },
  rows: [],
  previousRows: [],
  dailyRows: [],
  ...over,
});

describe('report periods', () => {
  it('when the range is three days, then the previous period is the three days before', () => {
    const p = reportPeriod('daily', '2026-03-10', '2026-03-12');
    expect(p.dates).toEqual(['2026-03-10', '2026-03-11', '2026-03-12']);
    expect(p.previousDates).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect([p.previousFirstDay, p.previousLastDay]).toEqual(['2026-03-07', '2026-03-09']);
  });

  it('when weekly starts mid-week, then the weeks touched count and the previous weeks are as many', () => {
    const p = reportPeriod('weekly', '2026-03-11', '2026-03-16');
    expect(p.dates).toEqual(['2026-03-09', '2026-03-16']);
    expect(p.previousDates).toEqual(['2026-02-23', '2026-03-02']);
    expect([p.firstDay, p.lastDay]).toEqual(['2026-03-09', '2026-03-22']);
  });

  it('when monthly, then whole months (February of a non-leap year has 28 days)', () => {
    const p = reportPeriod('monthly', '2026-03-31', '2026-03-31');
    expect(p).toMatchObject({ dates: ['2026-03-01'], previousDates: ['2026-02-01'], lastDay: '2026-03-31' });
    expect(p.previousLastDay).toBe('2026-02-28');
  });
});

describe('a KPI over several stored rows', () => {
  const rows = [
    {
      signups_started: 4,
      signups_completed: 1,
      signup_conversion_rate: 25,
      active_workshops: 2,
      median_approval_time_hours: 3,
    },
    {
      signups_started: 6,
      signups_completed: 5,
      signup_conversion_rate: 83.33,
      active_workshops: 3,
      median_approval_time_hours: 9,
    },
  ];

  it('counts are summed, states are the last, rates recomputed from the sums (6 of 10), medians n/a', () => {
    expect(combine(rows, 'signups_started')).toBe(10);
    expect(combine(rows, 'active_workshops')).toBe(3);
    expect(combine(rows, 'signup_conversion_rate')).toBe(60);
    expect(combine(rows, 'median_approval_time_hours')).toBeNull();
  });

  it('with one row every column is that row’s value, a column unknown to the rules included', () => {
    expect(combine([{ ...rows[0], avg_satisfaction: 4.5 }], 'avg_satisfaction')).toBe(4.5);
    expect(combine([rows[0]!], 'median_approval_time_hours')).toBe(3);
  });
});

describe('the report model', () => {
  it('when a column is added to the KPI list, then the report shows it with a label and its target', () => {
    const r = buildReport(
      input({
        columns: [...KPI_COLUMNS, 'avg_satisfaction'],
        targets: { ...KPI_TARGETS, avg_satisfaction: { op: '>', value: 4 } },
        rows: [{ metric_date: '2026-03-09', avg_satisfaction: 4.5 }],
        previousRows: [{ metric_date: '2026-03-02', avg_satisfaction: 3.5 }],
      }),
    );
    const line = r.kpis.find((k) => k.column === 'avg_satisfaction');
    expect(line).toMatchObject({ label: 'Average satisfaction', value: 4.5, previous: 3.5, status: 'met' });
    expect(r.kpis.map((k) => k.column)).toEqual([...KPI_COLUMNS, 'avg_satisfaction']);
  });

  it('every target is judged: met, missed, or no data without a value', () => {
    const r = buildReport(
      input({ rows: [{ metric_date: '2026-03-09', signup_conversion_rate: 61, email_success_rate: 98 }] }),
    );
    const status = Object.fromEntries(r.kpis.filter((k) => k.target).map((k) => [k.column, k.status]));
    expect(status).toEqual({
      signup_conversion_rate: 'met',
      avg_approval_time_hours: 'no data',
      invite_acceptance_rate: 'no data',
      email_success_rate: 'missed', // the target is > 98
      api_success_rate: 'no data',
      avg_page_load_ms: 'no data',
      active_workshops: 'no data',
    });
    expect(r.kpis.filter((k) => !k.target).every((k) => k.status === null)).toBe(true);
  });

  it('when the rows have the funnel step columns, then the funnel shows them with each drop-off', () => {
    const row = {
      metric_date: '2026-03-09',
      signups_started: 40,
      signups_step_1: 30,
      signups_step_2: 24,
      signups_step_3: 18,
      signups_submitted: 12,
      signups_completed: 9,
    };
    const r = buildReport(input({ rows: [row] }));
    // hand-worked: 1 - 30/40 = 25%, 1 - 24/30 = 20%, 1 - 18/24 = 25%, 1 - 12/18 = 33.33%, 1 - 9/12 = 25%
    expect(r.funnel.map((s) => [s.column, s.total, s.dropOff])).toEqual([
      ['signups_started', 40, null],
      ['signups_step_1', 30, 25],
      ['signups_step_2', 24, 20],
      ['signups_step_3', 18, 25],
      ['signups_submitted', 12, 33.33],
      ['signups_completed', 9, 25],
    ]);
    const funnelChart = r.charts.find((c) => c.id === 'signup-funnel')!;
    expect(funnelChart.series.map((s) => s.column)).toEqual(r.funnel.map((s) => s.column));
  });

  it('when the KPI columns have no step columns (a store before them), the funnel is started → completed', () => {
    const columns = KPI_COLUMNS.filter((c) => !/^signups_(step_\d|submitted)$/.test(c));
    const r = buildReport(
      input({ columns, rows: [{ metric_date: '2026-03-09', signups_started: 10, signups_completed: 4 }] }),
    );
    expect(r.funnel.map((s) => [s.column, s.dropOff])).toEqual([
      ['signups_started', null],
      ['signups_completed', 60],
    ]);
  });

  it('charts: daily values by date (gaps for missing days), targets and the beta range as lines', () => {
    const r = buildReport(
      input({ dailyRows: [{ metric_date: '2026-03-10', active_workshops: 4, email_success_rate: 97.5 }] }),
    );
    expect(r.charts.map((c) => c.id)).toEqual([
      'signup-funnel',
      'approval-time',
      'email-success',
      'active-workshops',
      'invite-acceptance',
    ]);
    const active = r.charts.find((c) => c.id === 'active-workshops')!;
    expect(active.days).toHaveLength(7);
    expect(active.series[0]!.values).toEqual([null, 4, null, null, null, null, null]);
    expect(active.lines.map((l) => l.value)).toEqual([3, 5]);
    const email = r.charts.find((c) => c.id === 'email-success')!;
    expect(email.lines).toEqual([{ name: 'Email delivery target > 98.00%', value: 98 }]);
    expect(r.missing).toEqual(['2026-03-09']);
  });
});
