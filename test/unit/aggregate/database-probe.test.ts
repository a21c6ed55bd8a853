import { describe, expect, it } from 'vitest';
import { DatabaseProbe, PROBE_CRON } from '../../../src/aggregate/database-probe.js';

/** A database whose ping answers as the test says: ok, fails, or never answers. */
function fakeDb() {
  const db = {
    mode: 'ok' as 'ok' | 'fail' | 'hang',
    pings: 0,
    ping(): Promise<void> {
      db.pings++;
      if (db.mode === 'ok') return Promise.resolve();
      if (db.mode === 'fail') return Promise.reject(new Error('connection refused'));
      return new Promise<void>(() => {});
    },
  };
  return db;
}

describe('DatabaseProbe', () => {
  it('is unknown (null) until its first probe has answered', () => {
    expect(new DatabaseProbe(fakeDb()).up).toBeNull();
  });

  it('when SELECT 1 answers, then the database is up; when it fails, down; when it recovers, up again', async () => {
    const db = fakeDb();
    const probe = new DatabaseProbe(db);
    expect(await probe.probe()).toBe(true);
    expect(probe.up).toBe(true);
    db.mode = 'fail';
    expect(await probe.probe()).toBe(false);
    expect(probe.up).toBe(false);
    db.mode = 'ok';
    expect(await probe.probe()).toBe(true);
  });

  it('when the database does not answer within the timeout, then it is down (the probe does not hang)', async () => {
    const db = fakeDb();
    db.mode = 'hang';
    const probe = new DatabaseProbe(db, 20);
    expect(await probe.probe()).toBe(false);
    expect(probe.up).toBe(false);
  });

  it('calls made while a probe is in flight share it (probes never overlap)', async () => {
    const db = fakeDb();
    const probe = new DatabaseProbe(db);
    const [a, b] = await Promise.all([probe.probe(), probe.probe()]);
    expect([a, b]).toEqual([true, true]);
    expect(db.pings).toBe(1);
  });

  it('runs as a scheduled job every 15 seconds', async () => {
    const db = fakeDb();
    const job = new DatabaseProbe(db).job();
    expect(job.cron).toBe(PROBE_CRON);
    expect(PROBE_CRON).toBe('*/15 * * * * *');
    await job.run(0);
    expect(db.pings).toBe(1);
  });

  it('rejects a timeout that is not positive', () => {
    expect(() => new DatabaseProbe(fakeDb(), 0)).toThrow('DatabaseProbe: timeoutMs must be > 0, got 0');
  });
});
