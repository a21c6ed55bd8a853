/** The command line of `npm run backtest`, checked: every problem is a BacktestError naming the option. */
import { BacktestError } from './backtest-error.js';
import { parseDuration } from './rule-files.js';

export const BACKTEST_USAGE =
  'usage: npm run backtest -- --from RFC3339 --to RFC3339 [--alert NAME]... [--set NAME.KEY=VALUE]... ' +
  '[--step 1m] [--format json|table|html]';

export const BACKTEST_FORMATS = ['json', 'table', 'html'] as const;
export type BacktestFormat = (typeof BACKTEST_FORMATS)[number];

export interface BacktestOptions {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly alerts: readonly string[];
  /** The --set texts as given (the policy parses them). */
  readonly sets: readonly string[];
  readonly format: BacktestFormat;
}

export interface RawBacktestOptions {
  from?: string;
  to?: string;
  step?: string;
  alert?: string[];
  set?: string[];
  format?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function instant(name: string, text: string | undefined, problems: string[]): number | null {
  if (text === undefined) {
    problems.push(`--${name}: required, an RFC 3339 time such as 2026-03-01T00:00:00Z`);
    return null;
  }
  const ms = Date.parse(text);
  if (!RFC3339.test(text) || !Number.isFinite(ms)) {
    problems.push(`--${name}: ${JSON.stringify(text)} is not an RFC 3339 time such as 2026-03-01T00:00:00Z`);
    return null;
  }
  return ms;
}

/** Checks the options; throws one BacktestError listing every problem. */
export function checkBacktestOptions(raw: RawBacktestOptions): BacktestOptions {
  const problems: string[] = [];
  const fromMs = instant('from', raw.from, problems);
  const toMs = instant('to', raw.to, problems);
  let stepMs = 60_000;
  if (raw.step !== undefined) {
    try {
      stepMs = parseDuration(raw.step);
      if (stepMs < 1000 || stepMs % 1000 !== 0) problems.push(`--step: ${raw.step}: whole seconds, at least 1s`);
    } catch {
      problems.push(`--step: ${JSON.stringify(raw.step)} is not a Prometheus duration such as 1m or 5m`);
    }
  }
  if (fromMs !== null && toMs !== null) {
    if (toMs < fromMs) problems.push(`--to (${raw.to}) is before --from (${raw.from})`);
    else if (toMs === fromMs) problems.push('--to equals --from: the range is empty');
  }
  const format = (raw.format ?? 'json') as BacktestFormat;
  if (!BACKTEST_FORMATS.includes(format)) problems.push(`--format: ${BACKTEST_FORMATS.join(', ')}`);
  if (problems.length) throw new BacktestError([BACKTEST_USAGE, ...problems.map((p) => `  ${p}`)].join('\n'));
  return {
    fromMs: fromMs!,
    toMs: toMs!,
    stepMs,
    alerts: [...new Set(raw.alert ?? [])],
    sets: raw.set ?? [],
    format,
  };
}
