/**
 * The rules a backtest evaluates: the recording rules (prometheus/rules/*.yml, hand-written) and the alerting
 * rules (prometheus/alerts/*.yml, or the files the policy renders with --set overrides applied), parsed to find
 * each alert's expression, `for`, keep_firing_for and labels, and which alerts the event log can replay.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { REPLAYED_METRICS } from './as-of-gauges.js';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

export interface AlertRule {
  readonly name: string;
  readonly file: string;
  readonly expr: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The recording rules its expression reads, directly or through other recording rules. */
  readonly recordings: readonly string[];
  /** The raw metrics its expression reads, through the recording rules. */
  readonly metrics: readonly string[];
  /** Every one of those is rebuilt from the event log. */
  readonly replayable: boolean;
}

export interface RuleSet {
  /** The recording rules, in file order. */
  readonly recordings: readonly RecordingRule[];
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
  const recordings: RecordingRule[] = [];
  for (const f of await ruleFiles(rulesDir))
    for (const r of rulesOf(await readFile(f, 'utf8')))
      if (typeof r.record === 'string') recordings.push({ record: r.record, expr: String(r.expr) });
  const recorded = new Map(recordings.map((r) => [r.record, r.expr]));
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
      const recordingsOf = (e: string, seen: Set<string>): void => {
        for (const n of selectedNames(e))
          if (recorded.has(n) && !seen.has(n)) {
            seen.add(n);
            recordingsOf(recorded.get(n)!, seen);
          }
      };
      const used = new Set<string>();
      recordingsOf(expr, used);
      alerts.push({
        name: r.alert,
        file: path.basename(file),
        expr,
        forMs: r.for ? parseDuration(String(r.for)) : 0,
        keepFiringForMs: r.keep_firing_for ? parseDuration(String(r.keep_firing_for)) : 0,
        labels: Object.fromEntries(
          Object.entries((r.labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
        ),
        recordings: recordings.map((r) => r.record).filter((n) => used.has(n)),
        metrics,
        replayable: metrics.length > 0 && metrics.every((m) => replayed.has(m)),
      });
    }
  }
  return { recordings, alerts };
}

/** Whether a recording rule has a series per workshop (its expression keeps the workshop_id label). */
export const isPerWorkshop = (r: RecordingRule) => /\bworkshop_id\b/.test(r.expr);

/**
 * A recording rule file with only `names` (in their order): the backfill evaluates what the alerts read, nothing
 * more. Rules that read other recording rules come after them, as in the source files.
 */
export function recordingRuleFile(set: RuleSet, names: ReadonlySet<string>): string {
  const rules = [
    ...set.recordings.filter((r) => names.has(r.record)),
    { record: EVALUATION_MARKER, expr: 'vector(1)' },
  ];
  return stringify({ groups: [{ name: 'backtest.recording', rules }] });
}

/**
 * The rules of `recordingRuleFile` split into at most `parts` files that can be backfilled independently (by
 * promtool processes running side by side): a rule and the recording rules it reads stay in one file, in file
 * order; per-workshop rules (by workshop_id: a series per workshop) weigh more than the single-series ones, and the
 * files are balanced by weight. Only the first file has the evaluation marker. Each file is one group of the same
 * name as recordingRuleFile's, so that, saved under the same file name, its evaluations fall on the same instants.
 */
export function recordingRuleFiles(set: RuleSet, names: ReadonlySet<string>, parts: number): string[] {
  const rules = set.recordings.filter((r) => names.has(r.record));
  // union-find over "reads": rules that read one another are backfilled together
  const parent = new Map(rules.map((r) => [r.record, r.record]));
  const find = (n: string): string => (parent.get(n) === n ? n : find(parent.get(n)!));
  for (const r of rules) for (const n of selectedNames(r.expr)) if (parent.has(n)) parent.set(find(n), find(r.record));
  const components = new Map<string, RecordingRule[]>();
  for (const r of rules) {
    const root = find(r.record);
    components.set(root, [...(components.get(root) ?? []), r]);
  }
  const weight = (c: readonly RecordingRule[]) => c.reduce((w, r) => w + (isPerWorkshop(r) ? 100 : 1), 0);
  const buckets = Array.from({ length: Math.max(1, parts) }, () => ({ weight: 0, rules: new Set<string>() }));
  for (const c of [...components.values()].sort((a, b) => weight(b) - weight(a))) {
    const lightest = buckets.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.weight += weight(c);
    for (const r of c) lightest.rules.add(r.record);
  }
  return buckets
    .filter((b, i) => i === 0 || b.rules.size > 0)
    .map((b, i) => {
      const inFile = rules.filter((r) => b.rules.has(r.record));
      const all = i === 0 ? [...inFile, { record: EVALUATION_MARKER, expr: 'vector(1)' }] : inFile;
      return stringify({ groups: [{ name: 'backtest.recording', rules: all }] });
    });
}

/**
 * A rule of the backfill that is there at every evaluation: its sample times show where Prometheus slotted the
 * group's evaluations within each step (an offset it derives from the group's name and file).
 */
export const EVALUATION_MARKER = 'backtest:evaluation:marker';

/**
 * `expr` with every recording rule it selects replaced by `(the rule's expression)`, recursively: the same PromQL,
 * evaluated by Prometheus on the raw series at the alert's instant instead of read from the rule's backfilled
 * samples (`time()` is that instant in both). Throws when a recording rule is selected with label matchers, a range
 * or a modifier, which a parenthesised expression cannot take.
 */
export function inlineRecordings(expr: string, set: RuleSet): string {
  const recorded = new Map(set.recordings.map((r) => [r.record, r.expr]));
  // strings, comments, label lists and matchers are copied as they are; names are looked at
  const token = new RegExp(
    [
      /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|#[^\n]*/.source,
      /\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)|\{[^}]*\}/.source,
      /[a-zA-Z_:][a-zA-Z0-9_:]*/.source,
    ].join('|'),
    'g',
  );
  const walk = (e: string, seen: readonly string[]): string =>
    e.replace(token, (t, offset: number) => {
      const rule = recorded.get(t);
      if (rule === undefined) return t.startsWith('#') ? '' : t;
      if (seen.includes(t)) throw new Error(`recording rule ${t} reads itself`);
      const after = e.slice(offset + t.length).trimStart();
      if (/^(\{|\[|offset\b|@)/.test(after))
        throw new Error(`recording rule ${t} is selected with matchers, a range or a modifier: it cannot be inlined`);
      return `(${walk(rule, [...seen, t]).trim()})`;
    });
  return walk(expr, []);
}
