/** Calendar dates (YYYY-MM-DD) in a time zone: today, yesterday, ISO weeks, ranges. Pure date arithmetic. */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(s: unknown): s is string {
  if (typeof s !== 'string' || !DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The local date at `nowMs` in `tz`. */
export function localDate(nowMs: number, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(nowMs),
  );
}

/** Monday of the ISO week holding `date`. */
export function mondayOf(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((dow + 6) % 7));
}

/** Inclusive list of dates from `from` to `to`. */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Days of a window starting at `date`: 1 for daily, 7 for weekly. */
export function daysOf(date: string, type: 'daily' | 'weekly'): string[] {
  return dateRange(date, addDays(date, type === 'daily' ? 0 : 6));
}

export const yesterday = (nowMs: number, tz: string) => addDays(localDate(nowMs, tz), -1);
export const previousWeek = (nowMs: number, tz: string) => addDays(mondayOf(localDate(nowMs, tz)), -7);
