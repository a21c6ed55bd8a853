import { describe, expect, it } from 'vitest';
import { classifyWriteError } from '../../../src/ingest/event-store.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('classifyWriteError for a database that cannot write now', () => {
  it.each([
    ['25006', 'cannot execute INSERT in a read-only transaction'], // a standby, e.g. the old primary after failover
    ['53100', 'could not extend file: No space left on device'], // disk full
  ])('SQLSTATE %s (%s) is unavailable, so the client gets 503 and retries', (code, message) => {
    expect(classifyWriteError(pgError(code, message))?.kind).toBe('unavailable');
  });
});
