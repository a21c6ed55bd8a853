/**
 * A report's period: the KPI periods of one type (days, ISO weeks, months) that [from, to] touches, the same
 * number of periods just before it (the previous period), and the days its charts show.
 */
import { addDays, dateRange, mondayOf } from '../aggregate/periods.js';

export type ReportType = 'daily' | 'weekly' | 'monthly';

export interface ReportPeriod {
  type: ReportType;
  /** metric_date of each KPI period in the report (days, Mondays, or first days of months), ascending. */
  dates: string[];
  /** The same number of periods just before. */
  previousDates: string[];
  /** First and last day covered (inclusive), and the same for the previous period. */
  firstDay: string;
  lastDay: string;
  previousFirstDay: string;
  previousLastDay: string;
}

const firstOfMonth = (d: string) => `${d.slice(0, 7)}-01`;
function addMonths(first: string, n: number): string {
  const d = new Date(`${first}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 10);
}

/** metric_date of the period holding `day`, and of the period `n` periods later. */
function periodStart(type: ReportType, day: string): string {
  return type === 'daily' ? day : type === 'weekly' ? mondayOf(day) : firstOfMonth(day);
}
function shift(type: ReportType, start: string, n: number): string {
  return type === 'daily' ? addDays(start, n) : type === 'weekly' ? addDays(start, 7 * n) : addMonths(start, n);
}
const lastDayOf = (type: ReportType, start: string) => addDays(shift(type, start, 1), -1);

/** The periods of `type` that [from, to] (calendar dates, from ≤ to) touches, and the previous period. */
export function reportPeriod(type: ReportType, from: string, to: string): ReportPeriod {
  const dates: string[] = [];
  for (let p = periodStart(type, from); p <= to; p = shift(type, p, 1)) dates.push(p);
  const previousDates = dates.map((d) => shift(type, d, -dates.length));
  return {
    type,
    dates,
    previousDates,
    firstDay: dates[0]!,
    lastDay: lastDayOf(type, dates.at(-1)!),
    previousFirstDay: previousDates[0]!,
    previousLastDay: lastDayOf(type, previousDates.at(-1)!),
  };
}

/** Every day of the period (the x axis of the charts). */
export const periodDays = (p: ReportPeriod) => dateRange(p.firstDay, p.lastDay);
