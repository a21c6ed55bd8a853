import { describe, expect, it } from 'vitest';
import { zonedTimeMs } from '../../../src/aggregate/periods.js';

describe('zonedTimeMs: the instant a local wall-clock hour is reached (the cron firing times catch-up recomputes)', () => {
  it.each([
    ['UTC', '2026-11-23', 2, '2026-11-23T02:00:00Z'],
    // Toronto: EST (UTC-5) in winter, EDT (UTC-4) in summer
    ['America/Toronto', '2026-01-12', 1, '2026-01-12T06:00:00Z'],
    ['America/Toronto', '2026-07-13', 1, '2026-07-13T05:00:00Z'],
    // the day DST starts in Toronto (2026-03-08, 02:00 -> 03:00): 01:00 is still EST
    ['America/Toronto', '2026-03-08', 1, '2026-03-08T06:00:00Z'],
    // the day DST ends in Toronto (2026-11-01, 02:00 -> 01:00): 02:00 EST, after the repeated hour
    ['America/Toronto', '2026-11-01', 2, '2026-11-01T07:00:00Z'],
    // Berlin: CET (UTC+1) in winter, so local midnight-plus-one is the previous evening in UTC terms
    ['Europe/Berlin', '2026-02-02', 0, '2026-02-01T23:00:00Z'],
    ['Asia/Kolkata', '2026-05-04', 1, '2026-05-03T19:30:00Z'],
  ])('%s, %s %s:00 is %s', (tz, date, hour, expected) => {
    expect(new Date(zonedTimeMs(date, hour, tz)).toISOString()).toBe(new Date(expected).toISOString());
  });
});
