/**
 * The backtest as the CLI runs it: `prepare` checks everything that needs no database (rules, alert names,
 * --set overrides, Prometheus on PATH), `run` replays the log through a read-only client and renders the answer.
 */
import path from 'node:path';
import type pg from 'pg';
import { backtestHtml } from './backtest-html.js';
import type { BacktestOptions } from './backtest-options.js';
import { backtestJson, backtestTable } from './backtest-output.js';
import { runBacktest, selectAlerts, type BacktestDeps, type BacktestRun } from './backtest-service.js';
import { EventLogStore } from './event-log-store.js';
import { requireTools } from './prometheus-tools.js';
import { loadRuleSet, type AlertRule, type RuleSet } from './rule-files.js';
import { whatIfAlertFiles } from './what-if.js';

export interface PreparedBacktest {
  readonly alertNames: readonly string[];
  /** The rendered answer in the format asked for. */
  run(db: Pick<pg.ClientBase, 'query'>, inviteTtlDays: number, progress?: (m: string) => void): Promise<string>;
  /** The result itself (tests, the example page); `tuning` overrides BacktestDeps' defaults (tests). */
  runRaw(
    db: Pick<pg.ClientBase, 'query'>,
    inviteTtlDays: number,
    progress?: (m: string) => void,
    tuning?: Pick<BacktestDeps, 'inlineWorkshopRulesAbove'>,
  ): Promise<BacktestRun>;
}

async function prepare(root: string, opts: BacktestOptions, envPath?: string): Promise<PreparedBacktest> {
  const rulesDir = path.join(root, 'prometheus/rules');
  const alertsDir = path.join(root, 'prometheus/alerts');
  const whatIf = whatIfAlertFiles(opts.sets);
  const sets: Array<{ set: RuleSet; alerts: AlertRule[] }> = [];
  const baseline = await loadRuleSet(rulesDir, alertsDir);
  sets.push({ set: baseline, alerts: selectAlerts(baseline, opts.alerts) });
  if (whatIf) {
    const set = await loadRuleSet(rulesDir, alertsDir, whatIf);
    sets.push({ set, alerts: selectAlerts(set, opts.alerts) });
  }
  requireTools(envPath);
  const alertNames = sets[0]!.alerts.map((a) => a.name);
  const runRaw: PreparedBacktest['runRaw'] = async (db, inviteTtlDays, progress, tuning) => {
    const range = { fromMs: opts.fromMs, toMs: opts.toMs, stepMs: opts.stepMs };
    const deps = { log: new EventLogStore(db), inviteTtlDays, progress, envPath, ...tuning };
    const result = await runBacktest(deps, range, sets);
    progress?.(`stages (s): ${JSON.stringify(result.stats.seconds)}`);
    return result;
  };
  return {
    alertNames,
    runRaw,
    async run(db, inviteTtlDays, progress) {
      const result = await runRaw(db, inviteTtlDays, progress);
      if (opts.format === 'table') return backtestTable(result, alertNames);
      if (opts.format === 'html') return backtestHtml(result, alertNames);
      return `${JSON.stringify(backtestJson(result), null, 2)}\n`;
    },
  };
}

export const backtestCommand = { prepare };
