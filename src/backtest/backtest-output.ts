/** The backtest's answers: the JSON document (stdout by default) and the plain-text table. */
import type { AlertFirings, BacktestRun } from './backtest-service.js';

export interface FiringJson {
  start: string;
  end: string | null;
}
export interface AlertJson {
  alertname: string;
  labels: Record<string, string>;
  firing: FiringJson[];
}
export interface BacktestJson {
  from: string;
  to: string;
  step_seconds: number;
  alerts: AlertJson[];
  baseline_alerts?: AlertJson[];
}

/** RFC 3339 UTC with Z, whole seconds unless the instant has milliseconds. */
export const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const alertJson = (list: readonly AlertFirings[]): AlertJson[] =>
  list.map((a) => ({
    alertname: a.alertname,
    labels: { ...a.labels },
    firing: a.firing.map((f) => ({ start: rfc3339(f.startMs), end: f.endMs === null ? null : rfc3339(f.endMs) })),
  }));

/** With two rule sets (--set), `alerts` is the what-if and `baseline_alerts` the rules as they are. */
export function backtestJson(run: BacktestRun): BacktestJson {
  const { range, results } = run;
  const doc: BacktestJson = {
    from: rfc3339(range.fromMs),
    to: rfc3339(range.toMs),
    step_seconds: range.stepMs / 1000,
    alerts: alertJson(results[results.length - 1]!.alerts),
  };
  if (results.length > 1) doc.baseline_alerts = alertJson(results[0]!.alerts);
  return doc;
}

export interface AlertSummary {
  firings: number;
  hours: number;
  workshops: number;
}

/** Per alert name: firings, total firing hours (an open one counts until `toMs`), distinct workshops. */
export function summarise(list: readonly AlertFirings[], toMs: number): Map<string, AlertSummary> {
  const out = new Map<string, AlertSummary & { ids: Set<string> }>();
  for (const a of list) {
    let s = out.get(a.alertname);
    if (!s) out.set(a.alertname, (s = { firings: 0, hours: 0, workshops: 0, ids: new Set() }));
    for (const f of a.firing) {
      s.firings++;
      s.hours += ((f.endMs ?? toMs) - f.startMs) / 3_600_000;
    }
    if (a.labels.workshop_id) s.ids.add(a.labels.workshop_id);
    s.workshops = s.ids.size;
  }
  return new Map([...out].map(([k, { firings, hours, workshops }]) => [k, { firings, hours, workshops }]));
}

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n));

/** The table: one row per alert evaluated; with a what-if, baseline and what-if side by side. */
export function backtestTable(run: BacktestRun, alertNames: readonly string[]): string {
  const { range, results } = run;
  const sums = results.map((r) => summarise(r.alerts, range.toMs));
  const cols = results.length > 1 ? ['baseline', 'what-if'] : [''];
  const header = ['alert', ...cols.flatMap((c) => ['firings', 'hours', 'workshops'].map((h) => (c ? `${c} ${h}` : h)))];
  const rows = alertNames.map((name) => [
    name,
    ...sums.flatMap((m) => {
      const s = m.get(name) ?? { firings: 0, hours: 0, workshops: 0 };
      return [String(s.firings), s.hours.toFixed(1), String(s.workshops)];
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => pad(c, widths[i]!, i > 0)).join('  ');
  const title = `backtest ${rfc3339(range.fromMs)} .. ${rfc3339(range.toMs)}, step ${range.stepMs / 1000}s`;
  return [title, '', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''].join('\n');
}
