/**
 * A child process of the stack (Prometheus, Alertmanager): its whole output goes to a log file, its warnings and
 * errors (logfmt `level=warn|error`) also to the console with its name in front; the last lines are kept for the
 * message when it exits on its own. It stays in the stack's process group, so a kill of the group reaches it.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import readline from 'node:readline';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface Child {
  readonly name: string;
  readonly pid: number | undefined;
  readonly exited: Promise<Exit>;
  running(): boolean;
  /** The last lines of its output. */
  tail(): string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<Exit>;
}

const TAIL_LINES = 30;
const LOUD = /\blevel=(warn|error)\b/i;

export function startChild(opts: {
  name: string;
  command: string;
  args: readonly string[];
  logFile: string;
  print: (line: string) => void;
}): Child {
  const log = createWriteStream(opts.logFile, { flags: 'w' });
  const proc = spawn(opts.command, opts.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let done = false;
  let stopping = false; // its own "exiting gracefully" warning is no news once we asked it to stop
  const exited = new Promise<Exit>((resolve) => {
    proc.once('error', (error) => {
      done = true;
      resolve({ code: null, signal: null, error });
    });
    proc.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  }).finally(() => log.end());
  for (const stream of [proc.stdout!, proc.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      log.write(line + '\n');
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      if (!stopping && LOUD.test(line)) opts.print(`[${opts.name}] ${line}`);
    });
  }
  return {
    name: opts.name,
    pid: proc.pid,
    exited,
    running: () => !done,
    tail: () => lines.join('\n'),
    async stop(graceMs = 10_000) {
      if (!done) {
        stopping = true;
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/** Polls `url` until it answers 2xx; rejects when the child exits first, on `signal`, or after `timeoutMs`. */
export async function waitReady(child: Child, url: string, signal: AbortSignal, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal.aborted) throw new Error(`stopped while waiting for ${child.name}`);
    if (!child.running()) throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${child.name} not ready at ${url} within ${timeoutMs / 1000} s:\n${child.tail()}`);
}
