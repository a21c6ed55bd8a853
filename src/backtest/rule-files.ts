/**
 * The rules a backtest evaluates: the recording rules (prometheus/rules/*.yml, hand-written) and the alerting
 * rules (prometheus/alerts/*.yml, or the files the policy renders with --set overrides applied), parsed to find
 * each alert's expression, `for`, keep_firing_for and labels, and which alerts the event log can replay.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { REPLAYED_METRICS } from './as-of-gauges.js';

export interface AlertRule {
  readonly name: string;
  readonly file: string;
  readonly expr: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The raw metrics its expression reads, through the recording rules. */
  readonly metrics: readonly string[];
  /** Every one of those is rebuilt from the event log. */
  readonly replayable: boolean;
}

export interface RuleSet {
  /** Recording rule files (paths), for `promtool tsdb create-blocks-from rules`. */
  readonly recordingFiles: readonly string[];
  readonly alerts: readonly AlertRule[];
}

interface RuleGroupsYaml {
  groups?: Array<{ rules?: Array<Record<string, unknown>> }>;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const y = UNITS.d! * 365;

/** A Prometheus duration ('1h30m', '5m', '36h') in ms; throws on anything else. */
export function parseDuration(text: string): number {
  if (!/^(\d+(ms|[smhdwy]))+$/.test(text)) throw new Error(`not a Prometheus duration: ${JSON.stringify(text)}`);
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(m[1]) * (m[2] === 'y' ? y : UNITS[m[2]!]!);
  return total;
}

/** A duration in Prometheus' form, largest units first (90_000_000 → '1d1h'). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', UNITS.d!],
    ['h', UNITS.h!],
    ['m', UNITS.m!],
    ['s', UNITS.s!],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
]);

/** Metric (or recording rule) names an expression selects. */
export function selectedNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\()?)/g)) {
    const token = m[0];
    if (m[1] || KEYWORDS.has(token) || /^\d/.test(token)) continue;
    names.add(token);
  }
  return [...names];
}

async function ruleFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(dir, f));
}

function rulesOf(text: string): Array<Record<string, unknown>> {
  const doc = parse(text) as RuleGroupsYaml | null;
  return (doc?.groups ?? []).flatMap((g) => g.rules ?? []);
}

/**
 * Reads the recording rules of `rulesDir` and the alerting rules: `alertTexts` (file name → YAML) when given,
 * else the files of `alertsDir`.
 */
export async function loadRuleSet(
  rulesDir: string,
  alertsDir: string,
  alertTexts?: ReadonlyMap<string, string>,
): Promise<RuleSet> {
  const recordingFiles = await ruleFiles(rulesDir);
  const recorded = new Map<string, string>();
  for (const f of recordingFiles)
    for (const r of rulesOf(await readFile(f, 'utf8')))
      if (typeof r.record === 'string') recorded.set(r.record, String(r.expr));
  const texts: Array<[string, string]> = alertTexts
    ? [...alertTexts.entries()]
    : await Promise.all(
        (await ruleFiles(alertsDir)).map(
          async (f) => [path.basename(f), await readFile(f, 'utf8')] as [string, string],
        ),
      );
  const replayed = new Set(REPLAYED_METRICS);
  const metricsOf = (expr: string, seen = new Set<string>()): string[] =>
    selectedNames(expr).flatMap((n) => {
      if (seen.has(n)) return [];
      seen.add(n);
      const rec = recorded.get(n);
      return rec === undefined ? [n] : metricsOf(rec, seen);
    });
  const alerts: AlertRule[] = [];
  for (const [file, text] of texts) {
    for (const r of rulesOf(text)) {
      if (typeof r.alert !== 'string') continue;
      const expr = String(r.expr);
      const metrics = [...new Set(metricsOf(expr))].sort();
      alerts.push({
        name: r.alert,
        file: path.basename(file),
        expr,
        forMs: r.for ? parseDuration(String(r.for)) : 0,
        keepFiringForMs: r.keep_firing_for ? parseDuration(String(r.keep_firing_for)) : 0,
        labels: Object.fromEntries(
          Object.entries((r.labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        ),
        metrics,
        replayable: metrics.length > 0 && metrics.every((m) => replayed.has(m)),
      });
    }
  }
  return { recordingFiles, alerts };
}
