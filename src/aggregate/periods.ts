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

/** The first day of the calendar month holding `date`. */
export const monthOf = (date: string) => `${date.slice(0, 7)}-01`;

/** The first day of the month `months` after (or before, if negative) the month holding `date`. */
export function addMonths(date: string, months: number): string {
  const d = new Date(`${monthOf(date)}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

/** Days of a window starting at `date`: 1 for daily, 7 for weekly, the calendar month for monthly. */
export function daysOf(date: string, type: 'daily' | 'weekly' | 'monthly'): string[] {
  if (type === 'monthly') return dateRange(date, addDays(addMonths(date, 1), -1));
  return dateRange(date, addDays(date, type === 'daily' ? 0 : 6));
}

/** The first day of each calendar month touched by `from`..`to` (inclusive). */
export function monthsTouched(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = monthOf(from); m <= to; m = addMonths(m, 1)) out.push(m);
  return out;
}

export const yesterday = (nowMs: number, tz: string) => addDays(localDate(nowMs, tz), -1);
export const previousWeek = (nowMs: number, tz: string) => addDays(mondayOf(localDate(nowMs, tz)), -7);
export const previousMonth = (nowMs: number, tz: string) => addMonths(localDate(nowMs, tz), -1);

/** The instant (ms) at which the wall clock in `tz` shows `hour`:00 on `date` (DST gaps: the hour after). */
export function zonedTimeMs(date: string, hour: number, tz: string): number {
  const wall = Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
  let ms = wall - offsetMs(wall, tz);
  ms = wall - offsetMs(ms, tz); // the offset in force at the instant itself, not at the wall time read as UTC
  return ms;
}

/** How far the wall clock in `tz` is ahead of UTC at `ms`. */
function offsetMs(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** Sorted, distinct `dates` in groups whose first and last date are at most `maxDays` - 1 days apart. */
export function groupsWithin(dates: readonly string[], maxDays: number): string[][] {
  const groups: string[][] = [];
  for (const d of [...new Set(dates)].sort()) {
    const g = groups[groups.length - 1];
    if (g && d < addDays(g[0]!, maxDays)) g.push(d);
    else groups.push([d]);
  }
  return groups;
}
