import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyWriteError, monthKeys, monthOf } from '../../../src/ingest/event-store.js';

/** Independent: the month prefix of the ISO instant, as the first instant of that month. */
const naive = (ms: number) => `${new Date(ms).toISOString().slice(0, 7)}-01T00:00:00.000Z`;

describe('monthOf and monthKeys (the partition key of an instant)', () => {
  it('is the first instant of the UTC month for any sequence of instants, including around month ends', () => {
    const edge = fc
      .constantFrom(Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1), Date.UTC(2024, 2, 1), Date.UTC(2027, 0, 1))
      .chain((b) => fc.integer({ min: -2, max: 1 }).map((d) => b + d));
    const instant = fc.oneof(edge, fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }));
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 30 }), (xs) => {
        const cached = monthKeys();
        for (const ms of xs) {
          expect(monthOf(ms)).toBe(naive(ms));
          expect(cached(ms)).toBe(naive(ms));
        }
      }),
    );
  });

  it('keeps one memory per caller: two stores keying different months do not disturb each other', () => {
    const a = monthKeys();
    const b = monthKeys();
    const march = Date.UTC(2026, 2, 10);
    const july = Date.UTC(2026, 6, 10);
    for (let i = 0; i < 3; i++) {
      expect(a(march)).toBe('2026-03-01T00:00:00.000Z');
      expect(b(july)).toBe('2026-07-01T00:00:00.000Z');
    }
  });
});

const pgError = (code: string, message = `error ${code}`) => Object.assign(new Error(message), { code });

describe('classifyWriteError (PostgreSQL errors as the writer sees them)', () => {
  it.each([
    ['23514', 'partition_missing'], // no partition for the row
    ['42P01', 'partition_missing'], // a partition was dropped
    ['42P07', 'partition_missing'], // created concurrently by another session
    ['40P01', 'retryable'], // deadlock
    ['40001', 'retryable'], // serialization failure
    ['57P01', 'unavailable'], // admin shutdown
    ['08006', 'unavailable'], // connection failure
    ['ECONNREFUSED', 'unavailable'],
    ['22P05', 'data_error'], // untranslatable character (NUL in jsonb text)
    ['22021', 'data_error'], // invalid byte sequence
    ['22003', 'data_error'], // numeric out of range
  ])('SQLSTATE %s is %s', (code, kind) => {
    const cause = pgError(code);
    const failure = classifyWriteError(cause);
    expect(failure?.kind).toBe(kind);
    expect(failure?.cause).toBe(cause);
  });

  it('a lost connection without a code is unavailable', () => {
    expect(classifyWriteError(new Error('Connection terminated unexpectedly'))?.kind).toBe('unavailable');
  });

  it.each(['23505', '42601', 'XX000'])('an unexpected error (%s) is passed on unclassified', (code) => {
    expect(classifyWriteError(pgError(code))).toBeUndefined();
    expect(classifyWriteError(new TypeError('bug'))).toBeUndefined();
  });
});
