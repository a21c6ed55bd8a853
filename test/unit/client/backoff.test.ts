import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs, retryDelayMs } from '../../../packages/client/src/backoff.js';

describe('backoff', () => {
  it('when retries go on, then the delay doubles from the initial value up to the ceiling, with jitter in its upper half', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelayMs(a, 200, 1000, high))).toEqual([200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 10].map((a) => backoffDelayMs(a, 200, 1000, low))).toEqual([100, 200, 400, 500, 500]);
    expect(backoffDelayMs(10_000, 200, 30_000, high)).toBe(30_000);
  });

  it('when Retry-After is longer than the backoff, then it wins, up to the ceiling', () => {
    expect(retryDelayMs(0, 3000, 200, 30_000, () => 0)).toBe(3000);
    expect(retryDelayMs(0, 0, 200, 30_000, () => 0)).toBe(100);
    expect(retryDelayMs(0, 120_000, 200, 30_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(0, undefined, 200, 30_000, () => 0)).toBe(100);
  });

  it('when Retry-After is seconds or an HTTP date, then it is read; otherwise ignored', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('-1', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
  });
});
