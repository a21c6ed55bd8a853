/**
 * The start without DATABASE_URL (embedded PostgreSQL in DATA_DIR/postgres, as the OS user `postgres` when run as
 * root) after the service was SIGKILLed: once with its PostgreSQL left running, once after a machine crash whose
 * postmaster.pid now names a pid that belongs to another process. Each time the service starts and has the data.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signupSuccess, uuid } from '../support/events.js';
import { postEvents } from '../support/service.js';
import { killAll, spawnService } from '../support/service-process.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wa-embedded-restart-'));
const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
const env = { DATA_DIR: dataDir, SHUTDOWN_DELAY_SECONDS: '0' };

afterAll(() => {
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const postmasterPid = () => Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
const alive = (pid: number) => existsSync(`/proc/${pid}`);
async function gone(pid: number, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until && alive(pid)) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

describe('when the service was SIGKILLed', () => {
  const event = signupSuccess(uuid(), new Date(Date.now() - 60_000).toISOString());
  const token = () =>
    (JSON.parse(readFileSync(path.join(dataDir, 'tokens.json'), 'utf8')) as { ingest: string }).ingest;

  it('and its PostgreSQL still runs, then the next start stops that PostgreSQL, starts its own, and has the data', async () => {
    const first = await spawnService(env);
    expect((await postEvents(first.url, event, token())).json).toEqual({ accepted: 1, duplicates: 0 });
    const orphan = postmasterPid();
    first.kill('SIGKILL');
    await first.exited;
    expect(alive(orphan), 'PostgreSQL outlives the SIGKILLed service').toBe(true);

    const second = await spawnService(env);
    expect(await gone(orphan)).toBe(true);
    expect(postmasterPid()).not.toBe(orphan);
    expect((await postEvents(second.url, event, token())).json).toEqual({ accepted: 0, duplicates: 1 });
    // a machine crash: the service and its PostgreSQL die at once (the whole process group)
    const pm = postmasterPid();
    process.kill(-second.pid, 'SIGKILL');
    await second.exited;
    expect(await gone(pm)).toBe(true);
  }, 60_000);

  it('and after a crash postmaster.pid names a pid now used by another process, then the next start has the data', async () => {
    expect(existsSync(pidFile), 'the crash left postmaster.pid behind').toBe(true);
    // the pid was reused (after a reboot, in a container): here by this test runner, a live non-postgres process
    const lines = readFileSync(pidFile, 'utf8').split('\n');
    lines[0] = String(process.pid);
    writeFileSync(pidFile, lines.join('\n'));

    const third = await spawnService(env);
    expect((await postEvents(third.url, event, token())).json).toEqual({ accepted: 0, duplicates: 1 });
    expect(postmasterPid()).not.toBe(process.pid);
    third.kill('SIGTERM');
    expect(await third.exited).toEqual([0, null]);
  }, 60_000);
});
