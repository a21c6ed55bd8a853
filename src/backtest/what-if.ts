/**
 * --set NAME.KEY=VALUE: the alerting rule files with the overrides applied, as the policy renders them.
 * (Wired to src/policy once it lands: parseOverride + applyOverrides + renderAlertRuleFiles.)
 */
import { BacktestError } from './backtest-error.js';

export function whatIfAlertFiles(sets: readonly string[]): ReadonlyMap<string, string> | undefined {
  if (sets.length === 0) return undefined;
  throw new BacktestError('--set: the KPI policy (src/policy) is not available in this build');
}
