/**
 * The stop sequence under one deadline: named steps run in order, each given what is left of the total (less what
 * it must leave for the steps after it) and at most its own limit. A step that does not finish in its time is cut
 * short — logged, and the next step runs; a step that fails is logged and the next step runs. So a stop never waits
 * without a limit, and the pool and an embedded PostgreSQL are still closed after a drain that ran out of time.
 */
import type { Logger } from '../logger.js';

export interface ShutdownStep {
  name: string;
  /**
   * Runs the step; `budgetMs` is the time it has. A step with its own timeout (the HTTP drain) uses it and resolves
   * to 'cut' when it gave up.
   */
  run(budgetMs: number): Promise<void | 'cut'> | void | 'cut';
  /** Most time for this step (default: whatever is left). */
  maxMs?: number;
  /** Time kept for the steps after this one (default 0). */
  reserveMs?: number;
}

export interface ShutdownReport {
  /** Steps cut short by their time limit. */
  cut: string[];
  /** Steps that failed, with their errors. */
  failed: Array<{ step: string; err: unknown }>;
}

export async function runShutdown(
  steps: readonly ShutdownStep[],
  opts: { totalMs: number; log: Logger },
): Promise<ShutdownReport> {
  const deadline = performance.now() + opts.totalMs;
  const report: ShutdownReport = { cut: [], failed: [] };
  for (const step of steps) {
    const left = Math.max(0, deadline - performance.now());
    const budgetMs = Math.max(0, Math.min(step.maxMs ?? Infinity, left - (step.reserveMs ?? 0)));
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.resolve()
        .then(() => step.run(budgetMs))
        .then(
          (r) => (r === 'cut' ? ('timeout' as const) : ('done' as const)),
          (err: unknown) => ({ err }),
        ),
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), budgetMs + 50).unref())),
    ]);
    clearTimeout(timer);
    const ms = Math.round(performance.now() - started);
    if (outcome === 'timeout') {
      report.cut.push(step.name);
      opts.log.warn({ step: step.name, limitMs: Math.round(budgetMs) }, `shutdown: ${step.name} cut short`);
    } else if (outcome !== 'done') {
      report.failed.push({ step: step.name, err: outcome.err });
      opts.log.error({ err: outcome.err, step: step.name }, `shutdown: ${step.name} failed`);
    } else {
      opts.log.debug({ step: step.name, ms }, `shutdown: ${step.name} done`);
    }
  }
  return report;
}
