/**
 * --set NAME.KEY=VALUE: the alerting rule files with the overrides applied, as the policy renders them
 * (parseOverride, applyOverrides, renderAlertRuleFiles), so a what-if evaluates exactly the rules `npm run
 * generate` would write with that policy. A policy problem (unknown alert or key, a value of the wrong kind)
 * becomes a BacktestError naming it.
 */
import { applyOverrides, parseOverride, POLICY, PolicyError, renderAlertRuleFiles } from '../policy/index.js';
import { BacktestError } from './backtest-error.js';

export function whatIfAlertFiles(sets: readonly string[]): ReadonlyMap<string, string> | undefined {
  if (sets.length === 0) return undefined;
  try {
    return renderAlertRuleFiles(applyOverrides(POLICY, sets.map(parseOverride)));
  } catch (err) {
    if (err instanceof PolicyError) throw new BacktestError(`--set: ${err.message}`);
    throw err;
  }
}
