/**
 * `npm run backtest`: how often would the alerts have fired over a past range? The replayed gauges are written as
 * OpenMetrics and turned into TSDB blocks by promtool; the recording rules are backfilled over them by promtool
 * against a throwaway Prometheus; each alert's expression is asked for with query_range from that Prometheus (its
 * own PromQL engine), and the alert state machine (alert-state.ts) applies `for` and keep_firing_for.
 */
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { clipIntervals, firingIntervals, type EvalGrid } from './alert-state.js';
import { BacktestError } from './backtest-error.js';
import type { EventLogStore } from './event-log-store.js';
import { queryRange, requireTools, run, startPrometheus, type RangeSeries } from './prometheus-tools.js';
import {
  EVALUATION_MARKER,
  inlineRecordings,
  isPerWorkshop,
  recordingRuleFiles,
  selectedNames,
  type AlertRule,
  type RuleSet,
} from './rule-files.js';
import { WORKSHOP_METRICS } from './as-of-gauges.js';
import { buildSeries, seriesLookbackMs } from './series-builder.js';

export interface BacktestRange {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
}

export interface AlertFirings {
  readonly alertname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly firing: ReadonlyArray<{ startMs: number; endMs: number | null }>;
}

export interface RuleSetResult {
  readonly alerts: readonly AlertFirings[];
}

export interface BacktestRun {
  readonly range: BacktestRange;
  /** Per rule set asked for (baseline first, then the what-if), the alerts that fired in the range. */
  readonly results: readonly RuleSetResult[];
  /** Where in each step the rules were evaluated (ms after the --from grid): Prometheus' slot for the group. */
  readonly evaluationOffsetMs: number;
  readonly stats: {
    events: number;
    samples: number;
    /** Whether the per-workshop recording rules were inlined into the alerts (the run's size). */
    inlinedWorkshopRules: boolean;
    seconds: Record<string, number>;
  };
}

/** The alerts of `set` a backtest evaluates: `names` (each must exist and be replayable), else all replayable. */
export function selectAlerts(set: RuleSet, names: readonly string[]): AlertRule[] {
  if (names.length === 0) return set.alerts.filter((a) => a.replayable);
  return names.map((n) => {
    const a = set.alerts.find((x) => x.name === n);
    if (!a) {
      const known = set.alerts.filter((x) => x.replayable).map((x) => x.name);
      throw new BacktestError(`unknown alert ${JSON.stringify(n)}; alerts a backtest can replay: ${known.join(', ')}`);
    }
    if (!a.replayable) {
      const missing = a.metrics.join(', ') || '(no metric)';
      throw new BacktestError(
        `alert ${n} reads series the event log cannot rebuild (${missing}): it cannot be backtested`,
      );
    }
    return a;
  });
}

/** The offset of the backfilled evaluations from the grid, read from the marker rule's second evaluation. */
async function evaluationOffset(url: string, grid: EvalGrid): Promise<number> {
  const at = grid.startMs + 2 * grid.stepMs - 1;
  const body = new URLSearchParams({ query: `timestamp(${EVALUATION_MARKER})`, time: String(at / 1000) });
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body });
  const json = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
  const v = json.data?.result?.[0]?.value[1];
  if (v === undefined) throw new Error('backtest: the recording rules were not backfilled (no evaluation marker)');
  const ms = Math.round(Number(v) * 1000);
  return (((ms - grid.startMs) % grid.stepMs) + grid.stepMs) % grid.stepMs;
}

/** promtool processes backfilling the recording rules side by side (the machine the target is set on: 2 cores). */
const RULE_BACKFILL_PARTS = 2;

/** Alert expressions asked for side by side. */
const QUERY_CONCURRENCY = 2;

/** Workshops × steps of one query_range over per-workshop series (5,000 workshops: 100 steps a piece). */
const QUERY_POINTS = 500_000;

/** `fn` over `items`, at most `limit` at a time; the results in the items' order. */
async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Above this many workshops × evaluations, the alerts reading per-workshop recording rules get those rules inlined
 * (the same PromQL, on the raw series) instead of backfilled: a backfilled per-workshop rule is a sample per workshop
 * and evaluation, written by promtool and read back (5,000 workshops × 90 days at 5m: ~130 million per rule).
 */
export const INLINE_WORKSHOP_RULES_ABOVE = 5_000_000;

const sortedLabels = (l: Record<string, string>) =>
  Object.fromEntries(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export interface BacktestDeps {
  readonly log: EventLogStore;
  readonly inviteTtlDays: number;
  /** Logs progress (stderr in the CLI). */
  readonly progress?: (msg: string) => void;
  /** PATH to find prometheus and promtool on (tests). */
  readonly envPath?: string;
  /** Workshops × evaluations above which per-workshop rules are inlined (default INLINE_WORKSHOP_RULES_ABOVE). */
  readonly inlineWorkshopRulesAbove?: number;
}

export async function runBacktest(
  deps: BacktestDeps,
  range: BacktestRange,
  ruleSets: ReadonlyArray<{ set: RuleSet; alerts: readonly AlertRule[] }>,
): Promise<BacktestRun> {
  const tools = requireTools(deps.envPath);
  const progress = deps.progress ?? (() => {});
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      seconds[name] = Math.round(performance.now() - t0) / 1000;
      if (!name.startsWith('query:')) progress(`${name}: ${seconds[name]} s`);
    }
  };
  // warm-up: an alert pending or kept firing before --from is in the right state at --from
  const warmupMs = Math.max(0, ...ruleSets.flatMap((r) => r.alerts.map((a) => a.forMs + a.keepFiringForMs)));
  const warmupSteps = Math.ceil(warmupMs / range.stepMs) + 1;
  const grid: EvalGrid = {
    startMs: range.fromMs - warmupSteps * range.stepMs,
    stepMs: range.stepMs,
    count: warmupSteps + Math.floor((range.toMs - range.fromMs) / range.stepMs) + 1,
  };
  const lastMs = grid.startMs + (grid.count - 1) * grid.stepMs;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wa-backtest-'));
  try {
    const storage = path.join(dir, 'tsdb');
    const spool = path.join(dir, 'spool');
    await mkdir(spool);
    const om = path.join(dir, 'series.om');
    progress(`replaying the event log at ${grid.count} instants`);
    const metrics = new Set(ruleSets.flatMap((r) => r.alerts.flatMap((a) => a.metrics)));
    const built = await timed('replay', () => buildSeries(deps.log, grid, spool, om, deps.inviteTtlDays, metrics));
    await rm(spool, { recursive: true });
    progress(`${built.events} events, ${built.samples} samples: building blocks`);
    // one block over the whole range (the default, 2 h, makes promtool read the file once per block)
    const blockHours = Math.ceil((lastMs - grid.startMs) / 3_600_000) + 2;
    await timed('blocks', () =>
      run(tools.promtool, [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        '-q',
        `--max-block-duration=${blockHours}h`,
        om,
        storage,
      ]),
    );
    await rm(om);
    const set = ruleSets[0]!.set;
    // how each alert is evaluated: on its recording rules backfilled by promtool, or with them inlined (on the raw
    // series, written sparsely and read with the look-back seriesLookbackMs) — an alert that selects a raw series
    // itself, and at scale the alerts reading per-workshop rules
    const inlineAbove = deps.inlineWorkshopRulesAbove ?? INLINE_WORKSHOP_RULES_ABOVE;
    const perWorkshop = new Set(set.recordings.filter(isPerWorkshop).map((r) => r.record));
    const inlineScale = built.workshops * grid.count > inlineAbove;
    const inlined = (a: AlertRule) =>
      selectedNames(a.expr).some((n) => metrics.has(n)) ||
      (inlineScale && a.recordings.some((n) => perWorkshop.has(n)));
    if (inlineScale)
      progress(`${built.workshops} workshops × ${grid.count} evaluations: per-workshop recording rules inlined`);
    const rawLookbackMs = seriesLookbackMs(grid);
    let prom = await startPrometheus(tools.prometheus, dir, storage, rawLookbackMs);
    try {
      const needed = new Set(ruleSets.flatMap((r) => r.alerts.filter((a) => !inlined(a)).flatMap((a) => a.recordings)));
      // named relative to the working directory: Prometheus slots a group's evaluations by a hash of its name and
      // file, so the same file name gives the same evaluation instants on every run — and in every part below
      const recordingFile = 'recording.rules.yml';
      // the rules split into independent parts, each backfilled by its own promtool side by side (a rule and the
      // rules it reads in one part): promtool asks a query_range and writes its result in turn, so two of them
      // keep both the throwaway Prometheus and the writing busy
      const texts = recordingRuleFiles(set, needed, RULE_BACKFILL_PARTS);
      const rulesOut = path.join(dir, 'rules-blocks');
      const ruleBlockHours = Math.max(2, Math.min(blockHours, Math.floor((10_000 * range.stepMs) / 3_600_000)));
      progress(`backfilling ${needed.size} recording rules (promtool ×${texts.length})`);
      await timed('rules', () =>
        Promise.all(
          texts.map(async (text, i) => {
            const cwd = path.join(dir, `rules-${i}`);
            await mkdir(cwd);
            await writeFile(path.join(cwd, recordingFile), text);
            await run(
              tools.promtool,
              [
                'tsdb',
                'create-blocks-from',
                'rules',
                `--start=${grid.startMs / 1000}`,
                `--end=${lastMs / 1000}`,
                `--url=${prom.url}`,
                `--eval-interval=${range.stepMs / 1000}s`,
                // long blocks: with 2 h blocks promtool asks one query_range per rule and 2 h; a block holds at
                // most 10,000 evaluations, as Prometheus answers at most 11,000 points per series
                `--max-block-duration=${ruleBlockHours}h`,
                `--output-dir=${path.join(rulesOut, String(i))}`,
                recordingFile,
              ],
              cwd,
            );
          }),
        ),
      );
      await prom.stop();
      for (const part of await readdir(rulesOut))
        for (const b of await readdir(path.join(rulesOut, part)))
          await rename(path.join(rulesOut, part, b), path.join(storage, b));
      // alerts read the (dense) recording rules with a look-back just under one step: a sample is seen at its own
      // evaluation only, so a series the rules stop returning (a workshop approved) is gone at the next one, as a
      // staleness marker would make it
      prom = await startPrometheus(tools.prometheus, dir, storage, range.stepMs - 1);
      // the recording rules were evaluated at the group's slot within each step: the alerts are evaluated there too
      // (each sees the gauges sampled at the step before it, as a rule evaluation sees the last scrape)
      const offsetMs = await evaluationOffset(prom.url, grid);
      const evals: EvalGrid = {
        startMs: grid.startMs + offsetMs,
        stepMs: grid.stepMs,
        count: grid.count - (offsetMs > 0 ? 1 : 0),
      };
      const evalsEnd = evals.startMs + (evals.count - 1) * evals.stepMs;
      progress(`evaluating the alerts (evaluations at +${offsetMs} ms within each step)`);
      // the expression asked for, and on which Prometheus: the backfilled rules' (look-back under a step), or the
      // raw series' (seriesLookbackMs), started once the first has answered
      const asked = ruleSets.map(({ alerts }) =>
        alerts.map((a) => {
          const raw = inlined(a);
          return { a, expr: raw ? inlineRecordings(a.expr, set) : a.expr, raw };
        }),
      );
      const answers = new Map<object, RangeSeries[]>();
      for (const raw of [false, true]) {
        const queries = asked.flat().filter((q) => q.raw === raw);
        if (queries.length === 0) continue;
        if (raw) {
          await prom.stop();
          prom = await startPrometheus(tools.prometheus, dir, storage, rawLookbackMs);
        }
        // two query_range at a time (2 cores): Prometheus evaluates each on one; a query reading per-workshop series
        // in pieces of about QUERY_POINTS workshops × steps (Prometheus 2.42 needs ~30% more time per point for
        // pieces of 10,000 steps than for 500; it holds every intermediate matrix of a piece in memory)
        const url = prom.url;
        // (an alert reading a per-workshop rule reads a per-workshop raw metric through it)
        const steps = (q: { a: AlertRule }) =>
          q.a.metrics.some((m) => WORKSHOP_METRICS.includes(m))
            ? QUERY_POINTS / Math.max(1, built.workshops)
            : Infinity;
        const got = await inParallel(queries, QUERY_CONCURRENCY, (q) =>
          timed(`query:${q.a.name}`, () => queryRange(url, q.expr, evals.startMs, evalsEnd, evals.stepMs, steps(q))),
        );
        queries.forEach((q, i) => answers.set(q, got[i]!));
      }
      const results: RuleSetResult[] = [];
      for (const queries of asked) {
        const out: AlertFirings[] = [];
        queries.forEach((q) => {
          const a = q.a;
          for (const s of answers.get(q)!) {
            const firing = clipIntervals(
              firingIntervals(evals, s.times, a.forMs, a.keepFiringForMs),
              range.fromMs,
              range.toMs,
            );
            if (firing.length)
              out.push({ alertname: a.name, labels: sortedLabels({ ...s.labels, ...a.labels }), firing });
          }
        });
        out.sort((x, y) => (x.alertname + JSON.stringify(x.labels) < y.alertname + JSON.stringify(y.labels) ? -1 : 1));
        results.push({ alerts: out });
      }
      return {
        range,
        results,
        evaluationOffsetMs: offsetMs,
        stats: { events: built.events, samples: built.samples, inlinedWorkshopRules: inlineScale, seconds },
      };
    } finally {
      await prom.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
