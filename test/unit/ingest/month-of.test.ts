import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monthOf } from '../../../src/ingest/event-store.js';

/** Independent: the month prefix of the ISO instant, as the first instant of that month. */
const naive = (ms: number) => `${new Date(ms).toISOString().slice(0, 7)}-01T00:00:00.000Z`;

describe('monthOf (the partition key of an instant)', () => {
  it('is the first instant of the UTC month for any sequence of instants, including around month ends', () => {
    const edge = fc
      .constantFrom(Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1), Date.UTC(2024, 2, 1), Date.UTC(2027, 0, 1))
      .chain((b) => fc.integer({ min: -2, max: 1 }).map((d) => b + d));
    const instant = fc.oneof(edge, fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }));
    fc.assert(
      fc.property(fc.array(instant, { maxLength: 30 }), (xs) => {
        for (const ms of xs) expect(monthOf(ms)).toBe(naive(ms));
      }),
    );
  });
});
