/**
 * A data directory's `postmaster.pid` left behind when the process that ran PostgreSQL was killed (SIGKILL, a
 * machine crash). PostgreSQL refuses to start while the pid in that file is alive — also when the pid now belongs
 * to an unrelated process (pids are reused after a reboot and in containers) or, running as the `postgres` user,
 * when it may not signal that process. Before starting, clearStalePostmaster looks at the pid (Linux, /proc):
 * - not running: left to PostgreSQL, which removes the file itself after checking that no process of the old
 *   server still holds its shared memory;
 * - alive but not a postgres of this data directory (a reused pid): the same check is made here — no process
 *   attached to the shared memory segment the file names (/proc/sysvipc/shm) — and the file is removed;
 * - a postgres of this data directory whose parent is a live Node process (another instance using the same
 *   DATA_DIR): start-up fails, naming both pids;
 * - a postgres of this data directory left behind (its Node parent was killed): it is stopped — fast shutdown,
 *   immediate shutdown after 10 s — and the start goes on.
 * Without /proc, PostgreSQL's own check applies.
 */
import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when `pid` runs `postgres -D dataDir`. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  const argv = read(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
  if (!argv[0] || !path.basename(argv[0]).startsWith('postgres')) return false;
  const d = argv.indexOf('-D');
  return d >= 0 && argv[d + 1] !== undefined && path.resolve(argv[d + 1]!) === path.resolve(dataDir);
}

/** The parent pid of `pid` (field 4 of /proc/<pid>/stat, after the parenthesised command name). */
function parentOf(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields ? Number(fields[1]) : undefined;
}

function isNodeProcess(pid: number): boolean {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    return exe === realpathSync(process.execPath) || /^node(\d+)?$/.test(path.basename(exe));
  } catch {
    return false;
  }
}

/** Processes attached to the System V shared memory segment `shmid` (0 when it no longer exists). */
function attachedTo(shmid: number): number {
  const rows = read('/proc/sysvipc/shm')?.split('\n').slice(1) ?? [];
  for (const row of rows) {
    const f = row.trim().split(/\s+/);
    if (Number(f[1]) === shmid) return Number(f[6]);
  }
  return 0;
}

async function exitedWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!existsSync(`/proc/${pid}`)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !existsSync(`/proc/${pid}`);
}

export async function clearStalePostmaster(dataDir: string, log: (msg: string) => void): Promise<void> {
  const file = path.join(dataDir, 'postmaster.pid');
  const content = read(file);
  if (content === undefined || !existsSync('/proc/self')) return;
  const lines = content.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !existsSync(`/proc/${pid}`)) return;
  if (!isPostmasterOf(pid, dataDir)) {
    // line 7: shared memory key and id
    const shmid = Number(lines[6]?.trim().split(/\s+/)[1]);
    const attached = Number.isInteger(shmid) ? attachedTo(shmid) : 0;
    if (attached > 0) {
      throw new Error(
        `${file} names pid ${pid}, which is no PostgreSQL of this directory, but ${attached} process(es) still ` +
          `use its shared memory (id ${shmid}): a server of this directory is still shutting down; retry shortly.`,
      );
    }
    log(`removing stale ${file}: its pid ${pid} now belongs to another process`);
    await rm(file, { force: true });
    return;
  }
  const parent = parentOf(pid);
  if (parent !== undefined && parent > 1 && isNodeProcess(parent)) {
    throw new Error(
      `PostgreSQL (pid ${pid}) already runs on ${dataDir}, started by process ${parent}: another instance uses ` +
        `this DATA_DIR. Stop it, or give this one its own DATA_DIR.`,
    );
  }
  log(`stopping PostgreSQL (pid ${pid}) left running on ${dataDir} by a process that was killed`);
  try {
    process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
    if (await exitedWithin(pid, 10_000)) return;
    log(`PostgreSQL (pid ${pid}) did not stop within 10 s; immediate shutdown (recovery on the next start)`);
    process.kill(pid, 'SIGQUIT');
    if (await exitedWithin(pid, 5_000)) return;
  } catch (err) {
    throw new Error(`could not stop PostgreSQL (pid ${pid}) left running on ${dataDir}: ${(err as Error).message}`);
  }
  throw new Error(`PostgreSQL (pid ${pid}) left running on ${dataDir} does not stop; stop it by hand`);
}
