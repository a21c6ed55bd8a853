/**
 * The real Prometheus tools a backtest runs: `promtool tsdb create-blocks-from openmetrics|rules` and a throwaway
 * `prometheus` (127.0.0.1, a free port, its storage in a temporary directory) that answers query_range.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { BacktestError } from './backtest-error.js';

export const INSTALL_HINT = 'install Prometheus (Debian/Ubuntu: apt-get install prometheus), or put it on PATH';

/** The full path of `name` on PATH, or null. */
export function onPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Fails with the install hint when prometheus or promtool is missing. */
export function requireTools(envPath?: string): { prometheus: string; promtool: string } {
  const prometheus = onPath('prometheus', envPath);
  const promtool = onPath('promtool', envPath);
  const missing = [prometheus ? null : 'prometheus', promtool ? null : 'promtool'].filter((x) => x !== null);
  if (missing.length) throw new BacktestError(`${missing.join(' and ')} not found on PATH: ${INSTALL_HINT}`);
  return { prometheus: prometheus!, promtool: promtool! };
}

/** Runs a command to completion; rejects with its output when it fails. */
export function run(cmd: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args[0] ?? ''} failed (${code}): ${out}`)),
    );
  });
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts prometheus on `storage` (blocks of any age kept) and waits until it is ready. */
export async function startPrometheus(
  binary: string,
  dir: string,
  storage: string,
  lookbackMs: number,
): Promise<RunningPrometheus> {
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 1m\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${storage}`,
      '--storage.tsdb.retention.time=100y',
      `--query.lookback-delta=${Math.max(1, Math.floor(lookbackMs))}ms`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--query.max-samples=200000000',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${log}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface RangeSeries {
  readonly labels: Record<string, string>;
  /** Evaluation times (ms) at which the expression returned the series. */
  readonly times: number[];
}

/** Prometheus answers at most 11,000 points per series: the range is asked for in pieces of this many steps. */
const MAX_POINTS = 10_000;

/**
 * query_range of `expr` over [startMs, endMs] at `stepMs`, asked for in pieces of at most `maxSteps` steps (fewer
 * bound the memory Prometheus holds for many series); series by their labels (without __name__).
 */
export async function queryRange(
  url: string,
  expr: string,
  startMs: number,
  endMs: number,
  stepMs: number,
  maxSteps = MAX_POINTS,
): Promise<RangeSeries[]> {
  const bySeries = new Map<string, RangeSeries>();
  const steps = Math.max(1, Math.floor(Math.min(MAX_POINTS, maxSteps)));
  for (let from = startMs; from <= endMs; from += steps * stepMs) {
    const to = Math.min(endMs, from + (steps - 1) * stepMs);
    const body = new URLSearchParams({
      query: expr,
      start: String(from / 1000),
      end: String(to / 1000),
      step: String(stepMs / 1000),
    });
    const res = await fetch(`${url}/api/v1/query_range`, { method: 'POST', body });
    const json = (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
    };
    if (json.status !== 'success') throw new Error(`query_range ${expr}: ${json.error ?? res.status}`);
    for (const r of json.data!.result) {
      const { __name__: _, ...labels } = r.metric;
      const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
      let s = bySeries.get(key);
      if (!s) bySeries.set(key, (s = { labels, times: [] }));
      for (const [t] of r.values) s.times.push(Math.round(t * 1000));
    }
  }
  return [...bySeries.values()];
}
