import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KPI_COLUMNS } from '../../../src/aggregate/kpi-definitions.js';
import { datesFor, MAX_BACKFILL_DAYS, MAX_BACKFILL_MONTHS, toCsv } from '../../../src/aggregate/kpi-routes.js';
import type { StoredKpiRow } from '../../../src/aggregate/kpi-store.js';
import { AppError } from '../../../src/errors.js';
import { parseCsv } from '../../support/csv.js';

const DAY = 86_400_000;
const ms = (date: string) => Date.parse(`${date}T00:00:00Z`);
const iso = (atMs: number) => new Date(atMs).toISOString().slice(0, 10);
const HEADER = ['metric_date', 'metric_type', 'window_start', 'window_end', 'time_zone', ...KPI_COLUMNS];

function row(overrides: Partial<Record<string, unknown>> = {}): StoredKpiRow {
  const kpis = Object.fromEntries(KPI_COLUMNS.map((c) => [c, null]));
  return {
    ...kpis,
    metric_date: '2026-03-02',
    metric_type: 'daily',
    window_start: '2026-03-02T05:00:00.000Z',
    window_end: '2026-03-03T05:00:00.000Z',
    time_zone: 'America/Toronto',
    computed_at: '2026-03-03T06:00:00.000Z',
    ...overrides,
  } as StoredKpiRow;
}

describe('toCsv', () => {
  it('writes a header of the row fields and every KPI column in API order, and nothing else, when there are no rows', () => {
    expect(toCsv([])).toBe(`${HEADER.join(',')}\n`);
  });

  it('writes one line per row with numbers as they are, null cells empty, and leaves out computed_at', () => {
    const csv = toCsv([row({ signups_started: 12, signup_conversion_rate: 33.33, invite_acceptance_rate: null })]);
    const [header, line, ...rest] = csv.split('\n');
    expect(header).toBe(HEADER.join(','));
    expect(rest).toEqual(['']); // the file ends with a newline
    const cells = line!.split(',');
    expect(cells).toHaveLength(HEADER.length);
    const at = (c: string) => cells[HEADER.indexOf(c)];
    expect(at('metric_date')).toBe('2026-03-02');
    expect(at('time_zone')).toBe('America/Toronto');
    expect(at('signups_started')).toBe('12');
    expect(at('signup_conversion_rate')).toBe('33.33');
    expect(at('invite_acceptance_rate')).toBe('');
    expect(csv).not.toContain('2026-03-03T06:00:00.000Z');
  });

  it('writes 0 as 0 (not as an empty cell) and a missing column as an empty cell', () => {
    const r = row({ api_errors: 0 }) as unknown as Record<string, unknown>;
    delete r.revenue_cents;
    const cells = toCsv([r as unknown as StoredKpiRow])
      .split('\n')[1]!
      .split(',');
    expect(cells[HEADER.indexOf('api_errors')]).toBe('0');
    expect(cells[HEADER.indexOf('revenue_cents')]).toBe('');
  });

  it.each([
    ['a comma', 'Toronto, ON', '"Toronto, ON"'],
    ['a quote', 'the "best" zone', '"the ""best"" zone"'],
    ['a newline', 'line1\nline2', '"line1\nline2"'],
    ['only a quote', '"', '""""'],
  ])('quotes a cell holding %s and doubles its quotes', (_what, value, written) => {
    const csv = toCsv([row({ time_zone: value })]);
    expect(csv).toContain(`,${written},`);
  });

  it('round-trips through a CSV reader: every cell reads back as written, null as empty', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', 'é', '1') });
    const cell = fc.oneof(fc.constant(null), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const kpiRow = fc.record({
      metric_date: text,
      metric_type: text,
      window_start: text,
      window_end: text,
      time_zone: text,
      ...Object.fromEntries(KPI_COLUMNS.map((c) => [c, cell])),
    });
    fc.assert(
      fc.property(fc.array(kpiRow, { maxLength: 5 }), (rows) => {
        const parsed = parseCsv(toCsv(rows as unknown as StoredKpiRow[]));
        expect(parsed[0]).toEqual(HEADER);
        expect(parsed.slice(1)).toEqual(
          rows.map((r) =>
            HEADER.map((c) => {
              const v = (r as Record<string, unknown>)[c];
              return v === null ? '' : String(v);
            }),
          ),
        );
      }),
    );
  });
});

describe('datesFor', () => {
  it('daily: every day from start to end, both included', () => {
    expect(datesFor('daily', '2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(datesFor('daily', '2028-02-28', '2028-03-01')).toEqual(['2028-02-28', '2028-02-29', '2028-03-01']);
    expect(datesFor('daily', '2026-03-05', '2026-03-05')).toEqual(['2026-03-05']);
  });

  it('weekly: the Monday of every ISO week the range touches, including the first and last partial weeks', () => {
    // Wednesday 2026-03-04 .. Monday 2026-03-16
    expect(datesFor('weekly', '2026-03-04', '2026-03-16')).toEqual(['2026-03-02', '2026-03-09', '2026-03-16']);
    // Monday .. Sunday is one week
    expect(datesFor('weekly', '2026-03-02', '2026-03-08')).toEqual(['2026-03-02']);
    // a Sunday alone belongs to the week that started six days before
    expect(datesFor('weekly', '2026-03-08', '2026-03-08')).toEqual(['2026-03-02']);
    // across a year end: Wednesday 2026-12-30 .. Tuesday 2027-01-05
    expect(datesFor('weekly', '2026-12-30', '2027-01-05')).toEqual(['2026-12-28', '2027-01-04']);
  });

  it('when the end is before the start, then it is a 400 naming endDate', () => {
    let err: unknown;
    try {
      datesFor('daily', '2026-03-10', '2026-03-01');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'invalid_request',
      status: 400,
      details: [{ path: 'endDate', message: 'must not be before startDate' }],
    });
  });

  it(`accepts ${MAX_BACKFILL_DAYS} days and refuses one more with a 400 naming endDate and the day count`, () => {
    expect(MAX_BACKFILL_DAYS).toBe(366);
    expect(datesFor('daily', '2028-01-01', '2028-12-31')).toHaveLength(366); // a leap year
    expect(() => datesFor('daily', '2026-01-01', '2027-01-02')).toThrowError(
      expect.objectContaining({
        status: 400,
        message: 'endDate: a range covers at most 366 days (got 367)',
      }) as Error,
    );
    expect(() => datesFor('weekly', '2026-01-01', '2027-01-02')).toThrowError(/got 367/);
  });

  it(`monthly: the first day of every month touched, at most ${MAX_BACKFILL_MONTHS} months (a 400 naming endDate)`, () => {
    expect(datesFor('monthly', '2026-01-31', '2026-03-01')).toEqual(['2026-01-01', '2026-02-01', '2026-03-01']);
    expect(datesFor('monthly', '2026-03-10', '2026-03-10')).toEqual(['2026-03-01']);
    expect(datesFor('monthly', '2024-01-15', '2026-12-31')).toHaveLength(36);
    expect(() => datesFor('monthly', '2024-01-15', '2027-01-01')).toThrowError(
      expect.objectContaining({
        status: 400,
        message: 'endDate: a monthly range covers at most 36 months (got 37)',
      }) as Error,
    );
    expect(() => datesFor('monthly', '2026-03-10', '2026-03-01')).toThrowError(/before startDate/);
  });

  describe('in a process whose local time zone changes clocks (America/Toronto)', () => {
    const saved = process.env.TZ;
    beforeEach(() => {
      process.env.TZ = 'America/Toronto';
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    });

    it('every calendar day appears once across the spring-forward and fall-back Sundays', () => {
      expect(new Date(2026, 2, 8, 12).getTimezoneOffset()).toBe(240); // the zone really is in effect (EDT)
      expect(datesFor('daily', '2026-03-07', '2026-03-09')).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
      expect(datesFor('daily', '2026-10-31', '2026-11-02')).toEqual(['2026-10-31', '2026-11-01', '2026-11-02']);
      expect(datesFor('weekly', '2026-10-25', '2026-11-02')).toEqual(['2026-10-19', '2026-10-26', '2026-11-02']);
    });
  });

  const range = fc
    .tuple(
      fc.integer({ min: ms('1999-12-01') / DAY, max: ms('2100-01-01') / DAY }),
      fc.nat({ max: MAX_BACKFILL_DAYS - 1 }),
    )
    .map(([startDay, span]) => [iso(startDay * DAY), iso((startDay + span) * DAY)] as const);

  it('daily covers exactly the days of any range, in order, each once', () => {
    fc.assert(
      fc.property(range, ([start, end]) => {
        const expected: string[] = [];
        for (let t = ms(start); t <= ms(end); t += DAY) expected.push(iso(t));
        expect(datesFor('daily', start, end)).toEqual(expected);
      }),
    );
  });

  it('weekly gives Mondays 7 days apart whose weeks together hold every day of the range, and no others', () => {
    fc.assert(
      fc.property(range, ([start, end]) => {
        const mondays = datesFor('weekly', start, end);
        // the Monday on or before each day of the range (getUTCDay: 0 = Sunday)
        const expected = new Set<string>();
        for (let t = ms(start); t <= ms(end); t += DAY)
          expected.add(iso(t - ((new Date(t).getUTCDay() + 6) % 7) * DAY));
        expect(mondays).toEqual([...expected]);
        for (const m of mondays) expect(new Date(ms(m)).getUTCDay()).toBe(1);
      }),
    );
  });
});
