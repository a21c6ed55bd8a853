import { describe, expect, it } from 'vitest';
import {
  createWorkshopTracker,
  DEFAULT_OPTIONS,
  type WorkshopTrackerOptions,
} from '../../../packages/client/src/index.js';
import { resolveOptions } from '../../../packages/client/src/options.js';

const valid = { url: 'http://127.0.0.1:3000', token: 't' };

function create(options: unknown): () => unknown {
  return () => createWorkshopTracker(options as WorkshopTrackerOptions);
}

describe('createWorkshopTracker options', () => {
  it('when options are missing, then it throws at once', () => {
    expect(create(undefined)).toThrow(new TypeError('createWorkshopTracker: options must be an object, got undefined'));
  });

  it.each([
    ['not a url', 'createWorkshopTracker: url must be an absolute http(s) URL, got "not a url"'],
    ['ftp://example.com', 'createWorkshopTracker: url must be an absolute http(s) URL, got "ftp://example.com"'],
    [42, 'createWorkshopTracker: url must be an absolute http(s) URL, got 42'],
    [
      'http://example.com/?a=1',
      'createWorkshopTracker: url must not have a query or fragment, got "http://example.com/?a=1"',
    ],
  ])('when url is %j, then it throws with an exact message', (url, message) => {
    expect(create({ ...valid, url })).toThrow(new TypeError(message));
  });

  it.each([[''], ['   '], [undefined], [7]])('when token is %j, then it throws', (token) => {
    expect(create({ ...valid, token })).toThrow(
      new TypeError('createWorkshopTracker: token must be a non-empty string'),
    );
  });

  it.each([
    ['maxBatchSize', 0],
    ['maxQueueSize', -1],
    ['flushIntervalMs', 1.5],
    ['maxBodyBytes', '1000'],
    ['requestTimeoutMs', Number.NaN],
    ['initialBackoffMs', 0],
    ['maxConcurrentBatches', 0],
    ['maxConcurrentBatches', Infinity],
  ])('when %s is %j, then it throws a RangeError', (name, value) => {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    expect(create({ ...valid, [name]: value })).toThrow(
      new RangeError(`createWorkshopTracker: ${name} must be a positive integer, got ${shown}`),
    );
  });

  it('when maxRetries is negative or fractional, then it throws', () => {
    const message = (v: string) =>
      `createWorkshopTracker: maxRetries must be a non-negative integer or Infinity, got ${v}`;
    expect(create({ ...valid, maxRetries: -1 })).toThrow(message('-1'));
    expect(create({ ...valid, maxRetries: 0.5 })).toThrow(message('0.5'));
  });

  it('when maxRetryDurationMs is zero or fractional, then it throws; Infinity is allowed', () => {
    const message = (v: string) =>
      `createWorkshopTracker: maxRetryDurationMs must be a positive integer or Infinity, got ${v}`;
    expect(create({ ...valid, maxRetryDurationMs: 0 })).toThrow(new RangeError(message('0')));
    expect(create({ ...valid, maxRetryDurationMs: 2.5 })).toThrow(new RangeError(message('2.5')));
    expect(create({ ...valid, maxRetryDurationMs: '60000' })).toThrow(new RangeError(message('"60000"')));
    expect(resolveOptions({ ...valid, maxRetryDurationMs: Infinity }).maxRetryDurationMs).toBe(Infinity);
  });

  it('when maxBackoffMs is below initialBackoffMs, then it throws', () => {
    expect(create({ ...valid, initialBackoffMs: 500, maxBackoffMs: 100 })).toThrow(
      new RangeError('createWorkshopTracker: maxBackoffMs (100) must be >= initialBackoffMs (500)'),
    );
  });

  it('when fetch or onError is not a function, then it throws', () => {
    expect(create({ ...valid, fetch: 'x' })).toThrow(
      new TypeError('createWorkshopTracker: fetch must be a function, got "x"'),
    );
    expect(create({ ...valid, onError: {} })).toThrow(
      new TypeError('createWorkshopTracker: onError must be a function, got [object Object]'),
    );
  });

  it('when only url and token are given, then the documented defaults apply', () => {
    const resolved = resolveOptions(valid);
    expect(resolved).toMatchObject({
      ...DEFAULT_OPTIONS,
      endpoint: 'http://127.0.0.1:3000/v1/events',
      fetch: globalThis.fetch,
    });
    expect(DEFAULT_OPTIONS).toEqual({
      maxBatchSize: 100,
      maxBodyBytes: 1048576,
      flushIntervalMs: 1000,
      maxQueueSize: 10000,
      initialBackoffMs: 200,
      maxBackoffMs: 30000,
      maxRetries: 10,
      maxRetryDurationMs: 300000,
      requestTimeoutMs: 10000,
      maxConcurrentBatches: 2,
    });
  });

  it('when sizes exceed the server limits, then they are capped; a base path is kept', () => {
    const resolved = resolveOptions({
      url: 'https://x.test/ingest/',
      token: 't',
      maxBatchSize: 5000,
      maxBodyBytes: 5e6,
      maxRetries: Infinity,
    });
    expect(resolved).toMatchObject({
      endpoint: 'https://x.test/ingest/v1/events',
      maxBatchSize: 1000,
      maxBodyBytes: 1048576,
      maxRetries: Infinity,
    });
  });
});
