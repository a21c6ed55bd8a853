import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clipIntervals } from '../../../src/backtest/alert-state.js';
import { BacktestError } from '../../../src/backtest/backtest-error.js';
import { checkBacktestOptions } from '../../../src/backtest/backtest-options.js';
import { backtestJson, summarise } from '../../../src/backtest/backtest-output.js';
import { parse } from 'yaml';
import {
  EVALUATION_MARKER,
  inlineRecordings,
  loadRuleSet,
  parseDuration,
  recordingRuleFile,
  recordingRuleFiles,
  selectedNames,
  type RuleSet,
} from '../../../src/backtest/rule-files.js';

const root = path.resolve(import.meta.dirname, '../../..');

describe('recording rules inlined into an alert expression', () => {
  const set: RuleSet = {
    recordings: [
      { record: 'workshop_id:x:max', expr: 'max by (workshop_id) (x)' },
      { record: 'workshop_id:x_per_y:ratio', expr: 'workshop_id:x:max / (max by (workshop_id) (y) > 0)' },
      { record: 'job:z:age', expr: 'time() - max(z)\n' },
    ],
    alerts: [],
  };

  it('replaces each rule, and the rules it reads, by its parenthesised expression', () => {
    expect(
      inlineRecordings(
        'workshop_id:x_per_y:ratio < 0.5\nand on (workshop_id) workshop_id:x:max >= 5 unless on () job:z:age > 60',
        set,
      ),
    ).toBe(
      '((max by (workshop_id) (x)) / (max by (workshop_id) (y) > 0)) < 0.5\n' +
        'and on (workshop_id) (max by (workshop_id) (x)) >= 5 unless on () (time() - max(z)) > 60',
    );
  });

  it('leaves strings, matchers, label lists and other names as they are', () => {
    const expr = 'label_replace(up{job="workshop_id:x:max"}, "a", "workshop_id:x:max", "b", "(.*)") > x_total';
    expect(inlineRecordings(expr, set)).toBe(expr);
  });

  it('refuses a rule selected with matchers, a range or a modifier', () => {
    for (const expr of [
      'workshop_id:x:max{workshop_id="1"} > 0',
      'max_over_time(job:z:age[1h])',
      'job:z:age offset 5m',
    ])
      expect(() => inlineRecordings(expr, set), expr).toThrow(/cannot be inlined/);
  });

  it('leaves only raw series in every replayable alert of the project', async () => {
    const rules = await loadRuleSet(path.join(root, 'prometheus/rules'), path.join(root, 'prometheus/alerts'));
    for (const a of rules.alerts.filter((x) => x.replayable))
      expect(selectedNames(inlineRecordings(a.expr, rules)).sort(), a.name).toEqual(a.metrics);
  });
});

describe('the rules a backtest reads', () => {
  it('finds the metrics an expression selects, not its functions, keywords or labels', () => {
    expect(
      selectedNames(
        'max by (workshop_id) (a_b{x="y"}) / (c:d:e > 0) and on (workshop_id) time() - f[5m] unless vector(0)',
      ).sort(),
    ).toEqual(['a_b', 'c:d:e', 'f']);
  });

  it('knows which alerts the event log can replay, through the recording rules', async () => {
    const set = await loadRuleSet(path.join(root, 'prometheus/rules'), path.join(root, 'prometheus/alerts'));
    const stuck = set.alerts.find((a) => a.name === 'WorkshopApplicationStuck')!;
    expect(stuck).toMatchObject({
      forMs: 5 * 60_000,
      keepFiringForMs: 10 * 60_000,
      metrics: ['workshop_application_submitted_timestamp_seconds'],
      recordings: ['workshop_id:application_pending_age:seconds'],
      replayable: true,
    });
    const replayable = set.alerts.filter((a) => a.replayable).map((a) => a.name);
    expect(replayable).toContain('WorkshopThriving');
    expect(replayable).not.toContain('WorkshopAnalyticsDown');
    expect(replayable).not.toContain('WorkshopApiErrorRateHigh');
  });

  it('splits the backfilled recording rules into balanced parts, a rule with the rules it reads', () => {
    const set: RuleSet = {
      alerts: [],
      recordings: [
        { record: 'w:a', expr: 'max by (workshop_id) (a)' },
        { record: 'w:b', expr: 'max by (workshop_id) (b)' },
        { record: 's:c', expr: 'max(c)' },
        { record: 's:d', expr: 's:c / 2' },
        { record: 'w:e', expr: 'time() - max by (workshop_id) (e)' },
        { record: 'unused', expr: 'max(f)' },
      ],
    };
    const names = new Set(['w:a', 'w:b', 's:c', 's:d', 'w:e']);
    const records = (text: string) => {
      const doc = parse(text) as { groups: Array<{ name: string; rules: Array<{ record: string }> }> };
      expect(doc.groups.map((g) => g.name)).toEqual(['backtest.recording']);
      return doc.groups[0]!.rules.map((r) => r.record);
    };
    expect(recordingRuleFiles(set, names, 1)).toEqual([recordingRuleFile(set, names)]);
    const parts = recordingRuleFiles(set, names, 2).map(records);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toContain(EVALUATION_MARKER);
    expect(parts[1]).not.toContain(EVALUATION_MARKER);
    expect(
      parts
        .flat()
        .filter((n) => n !== EVALUATION_MARKER)
        .sort(),
    ).toEqual([...names].sort());
    // s:d reads s:c: together, in file order; the per-workshop rules spread over both parts
    const withC = parts.find((p) => p.includes('s:c'))!;
    expect(withC.indexOf('s:c')).toBeLessThan(withC.indexOf('s:d'));
    for (const p of parts) expect(p.some((n) => n.startsWith('w:'))).toBe(true);
  });

  it('reads Prometheus durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('36h')).toBe(129_600_000);
    expect(() => parseDuration('36 hours')).toThrow(/not a Prometheus duration/);
  });
});

describe('options', () => {
  it('lists every problem at once', () => {
    let err: unknown;
    try {
      checkBacktestOptions({ from: '2026-03-02', to: '2026-03-01T00:00:00Z', step: '0.5s', format: 'xml' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BacktestError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/--from: "2026-03-02" is not an RFC 3339 time/);
    expect(msg).toMatch(/--step: "0.5s" is not a Prometheus duration/);
    expect(msg).toMatch(/--format: json, table, html/);
  });

  it('defaults to a 1-minute step and JSON', () => {
    expect(checkBacktestOptions({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00+01:00' })).toEqual({
      fromMs: Date.parse('2026-03-01T00:00:00Z'),
      toMs: Date.parse('2026-03-01T23:00:00Z'),
      stepMs: 60_000,
      alerts: [],
      sets: [],
      format: 'json',
    });
  });
});

describe('output', () => {
  const H = 3_600_000;
  const from = Date.parse('2026-03-01T00:00:00Z');
  const alerts = [
    { alertname: 'A', labels: { workshop_id: 'w1' }, firing: [{ startMs: from, endMs: from + H }] },
    { alertname: 'A', labels: { workshop_id: 'w2' }, firing: [{ startMs: from + 2 * H, endMs: null }] },
  ];
  const run = {
    range: { fromMs: from, toMs: from + 4 * H, stepMs: 60_000 },
    results: [{ alerts: [] }, { alerts }],
    evaluationOffsetMs: 0,
    stats: { events: 0, samples: 0, inlinedWorkshopRules: false, seconds: {} },
  };

  it('answers the documented JSON: what-if in alerts, the rules as they are in baseline_alerts', () => {
    expect(backtestJson(run)).toEqual({
      from: '2026-03-01T00:00:00Z',
      to: '2026-03-01T04:00:00Z',
      step_seconds: 60,
      alerts: [
        {
          alertname: 'A',
          labels: { workshop_id: 'w1' },
          firing: [{ start: '2026-03-01T00:00:00Z', end: '2026-03-01T01:00:00Z' }],
        },
        { alertname: 'A', labels: { workshop_id: 'w2' }, firing: [{ start: '2026-03-01T02:00:00Z', end: null }] },
      ],
      baseline_alerts: [],
    });
  });

  it('counts an open firing until --to', () => {
    expect(summarise(alerts, from + 4 * H).get('A')).toEqual({ firings: 2, hours: 3, workshops: 2 });
  });

  it('clips firings to the range', () => {
    expect(
      clipIntervals(
        [
          { startMs: 0, endMs: 5 },
          { startMs: 5, endMs: 20 },
          { startMs: 15, endMs: 40 },
        ],
        10,
        30,
      ),
    ).toEqual([
      { startMs: 10, endMs: 20 },
      { startMs: 15, endMs: null },
    ]);
  });
});
