/**
 * The backtest's alert state machine (src/backtest/alert-state.ts) against Prometheus' own: random presence
 * patterns of a series are written as a promtool rules test whose expected alerts at every evaluation are what
 * the state machine says; `promtool test rules` (the real rule manager, with for and keep_firing_for) passes
 * only if they agree everywhere.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { firingIntervals } from '../../src/backtest/alert-state.js';
import { prng } from '../support/scenario.js';

const run = promisify(execFile);
const MIN = 60_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-alert-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES = [
  { forMin: 3, keepMin: 2 },
  { forMin: 0, keepMin: 0 },
  { forMin: 5, keepMin: 0 },
  { forMin: 1, keepMin: 10 },
];

it.each(CASES)(
  'agrees with promtool test rules (for $forMin m, keep_firing_for $keepMin m)',
  async ({ forMin, keepMin }) => {
    const r = prng(forMin * 100 + keepMin);
    const minutes = 90;
    const series = Array.from({ length: 12 }, (_, i) => {
      // runs of presence and absence of random lengths
      const present: boolean[] = [];
      let on = r.int(0, 1) === 1;
      while (present.length < minutes) {
        const len = r.int(1, 9);
        for (let k = 0; k < len && present.length < minutes; k++) present.push(on);
        on = !on;
      }
      return { id: `s${i}`, present };
    });
    const grid = { startMs: 0, stepMs: MIN, count: minutes };
    const firingAt = series.map((s) => {
      const times = s.present.flatMap((p, k) => (p ? [k * MIN] : []));
      const intervals = firingIntervals(grid, times, forMin * MIN, keepMin * MIN);
      return (t: number) => intervals.some((iv) => iv.startMs <= t && (iv.endMs === null || t < iv.endMs));
    });
    const rules = {
      groups: [
        {
          name: 'state',
          rules: [
            {
              alert: 'StateMachine',
              expr: 'x > 0',
              ...(forMin ? { for: `${forMin}m` } : {}),
              ...(keepMin ? { keep_firing_for: `${keepMin}m` } : {}),
            },
          ],
        },
      ],
    };
    const values = (present: boolean[]) =>
      present.map((p, k) => (p ? '1' : k > 0 && present[k - 1] ? 'stale' : '_')).join(' ');
    const test = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series.map((s) => ({ series: `x{id="${s.id}"}`, values: values(s.present) })),
          alert_rule_test: Array.from({ length: minutes }, (_, k) => ({
            eval_time: `${k}m`,
            alertname: 'StateMachine',
            exp_alerts: series.flatMap((s, i) => (firingAt[i]!(k * MIN) ? [{ exp_labels: { id: s.id } }] : [])),
          })),
        },
      ],
    };
    const sub = path.join(dir, `case-${forMin}-${keepMin}`);
    rmSync(sub, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(sub);
    writeFileSync(path.join(sub, 'rules.yml'), stringify(rules));
    writeFileSync(path.join(sub, 'test.yml'), stringify(test));
    // some alert fires at all, so the comparison is not between two empty sets
    expect(test.tests[0]!.alert_rule_test.some((t) => t.exp_alerts.length > 0)).toBe(true);
    const res = await run('promtool', ['test', 'rules', 'test.yml'], { cwd: sub }).catch((err) => err);
    expect(res.stdout + (res.stderr ?? ''), 'promtool test rules').toContain('SUCCESS');
  },
);
