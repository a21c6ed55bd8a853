import { describe, expect, it } from 'vitest';
import {
  addDays,
  dateRange,
  daysOf,
  isDate,
  localDate,
  addMonths,
  mondayOf,
  monthOf,
  monthsTouched,
  previousMonth,
  previousWeek,
  yesterday,
} from '../../../src/aggregate/periods.js';

const TO = 'America/Toronto';
const at = (iso: string) => Date.parse(iso);

describe('periods', () => {
  it('isDate accepts real calendar dates only', () => {
    expect(['2026-03-01', '2028-02-29', '1999-12-31'].filter(isDate)).toHaveLength(3);
    for (const bad of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-3-01', '2026-03-01T00:00:00Z', '', 20260301])
      expect(isDate(bad), String(bad)).toBe(false);
  });

  it('addDays, mondayOf, dateRange and daysOf are calendar arithmetic across month, leap-day and year ends', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(mondayOf('2026-03-08')).toBe('2026-03-02'); // Sunday
    expect(mondayOf('2026-03-02')).toBe('2026-03-02'); // Monday
    expect(mondayOf('2027-01-01')).toBe('2026-12-28'); // Friday
    expect(dateRange('2026-03-02', '2026-03-01')).toEqual([]);
    expect(daysOf('2026-03-02', 'daily')).toEqual(['2026-03-02']);
    expect(daysOf('2026-12-28', 'weekly')).toEqual([
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ]);
  });

  it('localDate cuts days at local midnight, including the 25-hour fall-back day in America/Toronto', () => {
    // 2026-11-01: EDT (UTC-4) until 06:00Z, then EST (UTC-5)
    expect(localDate(at('2026-11-01T03:59:59.999Z'), TO)).toBe('2026-10-31');
    expect(localDate(at('2026-11-01T04:00:00.000Z'), TO)).toBe('2026-11-01');
    expect(localDate(at('2026-11-02T04:59:59.999Z'), TO)).toBe('2026-11-01');
    expect(localDate(at('2026-11-02T05:00:00.000Z'), TO)).toBe('2026-11-02');
    // 2026-03-08 (23 hours): EST until 07:00Z, then EDT
    expect(localDate(at('2026-03-08T04:59:59.999Z'), TO)).toBe('2026-03-07');
    expect(localDate(at('2026-03-09T03:59:59.999Z'), TO)).toBe('2026-03-08');
    expect(localDate(at('2026-03-09T04:00:00.000Z'), TO)).toBe('2026-03-09');
  });

  it("yesterday is the day before the local date, so a late-evening run in Toronto is not read in UTC's day", () => {
    // 2026-03-08 23:30 EDT is 2026-03-09 in UTC
    expect(yesterday(at('2026-03-09T03:30:00Z'), TO)).toBe('2026-03-07');
    expect(yesterday(at('2026-03-09T03:30:00Z'), 'UTC')).toBe('2026-03-08');
    // the daily job at 01:00 local on both 01:00s of the fall-back night, and the day after
    expect(yesterday(at('2026-11-01T05:00:00Z'), TO)).toBe('2026-10-31'); // 01:00 EDT
    expect(yesterday(at('2026-11-01T06:00:00Z'), TO)).toBe('2026-10-31'); // 01:00 EST
    expect(yesterday(at('2026-11-02T06:00:00Z'), TO)).toBe('2026-11-01');
  });

  it('previousWeek is the Monday of the ISO week before the local one', () => {
    // Monday 2026-11-02 02:00 EST, right after the 169-hour week
    expect(previousWeek(at('2026-11-02T07:00:00Z'), TO)).toBe('2026-10-26');
    // Sunday 2026-11-01 23:30 EST is already Monday in UTC
    expect(previousWeek(at('2026-11-02T04:30:00Z'), TO)).toBe('2026-10-19');
    expect(previousWeek(at('2026-11-02T04:30:00Z'), 'UTC')).toBe('2026-10-26');
    // Monday 2026-03-09 02:00 EDT, after the 167-hour week
    expect(previousWeek(at('2026-03-09T06:00:00Z'), TO)).toBe('2026-03-02');
  });

  it('months: monthOf, addMonths, monthsTouched and daysOf(monthly) across leap years and year ends', () => {
    expect(monthOf('2026-03-31')).toBe('2026-03-01');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-01'); // the month after, never a day overflowing it
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-01');
    expect(addMonths('2026-01-15', -1)).toBe('2025-12-01');
    expect(monthsTouched('2026-11-30', '2027-02-01')).toEqual(['2026-11-01', '2026-12-01', '2027-01-01', '2027-02-01']);
    expect(monthsTouched('2026-03-05', '2026-03-06')).toEqual(['2026-03-01']);
    expect(daysOf('2028-02-01', 'monthly')).toHaveLength(29);
    expect(daysOf('2026-02-01', 'monthly')).toHaveLength(28);
    expect(daysOf('2026-12-01', 'monthly').at(-1)).toBe('2026-12-31');
  });

  it('previousMonth is the month before the local one (the monthly job on the 1st, 03:00 local)', () => {
    expect(previousMonth(at('2026-11-01T08:00:00Z'), TO)).toBe('2026-10-01'); // 03:00 EST
    // 2026-11-30 23:30 EST is already December in UTC
    expect(previousMonth(at('2026-12-01T04:30:00Z'), TO)).toBe('2026-10-01');
    expect(previousMonth(at('2026-12-01T04:30:00Z'), 'UTC')).toBe('2026-11-01');
    expect(previousMonth(at('2027-01-01T03:00:00Z'), 'UTC')).toBe('2026-12-01');
  });
});
