/**
 * WorkshopBetaMilestoneReached notifies once per milestone: it fires for a bounded window after the milestone's
 * approval, and that window (plus keep_firing_for) is shorter than the repeat_interval of every route that notifies
 * people about it — so Alertmanager sends it once, and its resolution, never a daily repeat. The alert-history webhook
 * is exempt: it stores one row per alert instance however often it is re-sent. Read with the real amtool (which
 * receivers get the alert) and alertmanager.yml (their routes' repeat_interval, inherited from parents).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const AM_DIR = path.join(ROOT, 'prometheus/alertmanager');
const HISTORY_RECEIVER = 'workshop-analytics-webhook';

interface Route {
  receiver?: string;
  repeat_interval?: string;
  routes?: Route[];
}

/** Prometheus/Alertmanager durations as used here (e.g. 4h, 30m, 1h30m, 1d) → seconds. */
function seconds(d: string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };
  const parts = [...d.matchAll(/(\d+)([smhdw])/g)];
  expect(parts.map((p) => p[0]).join(''), `duration ${d}`).toBe(d);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

/** Every route with its effective repeat_interval (Alertmanager's default 4h, inherited by child routes). */
function routes(r: Route, inherited = '4h'): Array<{ receiver?: string; repeat: string }> {
  const repeat = r.repeat_interval ?? inherited;
  return [{ receiver: r.receiver, repeat }, ...(r.routes ?? []).flatMap((c) => routes(c, repeat))];
}

describe('WorkshopBetaMilestoneReached is notified once per milestone', () => {
  const rules = YAML.parse(readFileSync(path.join(ROOT, 'prometheus/alerts/workshop-kpis.alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Array<Record<string, unknown>> }>;
  };
  const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'WorkshopBetaMilestoneReached')!;

  it('fires only within a bounded window after the milestone approval (by occurred_at), never on a level', () => {
    expect(rule.expr).toMatch(/^\(milestone:beta_milestone_age:seconds >= 0\) < \d+ \* 3600$/);
  });

  it('fires for less than the repeat_interval of every route that notifies people about it', () => {
    const windowS = Number(/< (\d+) \* 3600/.exec(String(rule.expr))![1]) * 3600;
    const firingS = windowS + seconds(String(rule.keep_firing_for));
    const labels = Object.entries({ alertname: 'WorkshopBetaMilestoneReached', ...(rule.labels as object) }).map(
      ([k, v]) => `${k}=${String(v)}`,
    );
    const receivers = execFileSync(
      'amtool',
      ['config', 'routes', 'test', '--config.file=alertmanager.yml', ...labels, 'milestone=target_min'],
      { cwd: AM_DIR, encoding: 'utf8', timeout: 20_000 },
    )
      .trim()
      .split(',');
    const people = receivers.filter((r) => r !== HISTORY_RECEIVER);
    const config = YAML.parse(readFileSync(path.join(AM_DIR, 'alertmanager.yml'), 'utf8')) as { route: Route };
    const all = routes(config.route);
    for (const receiver of people) {
      const repeats = all.filter((r) => r.receiver === receiver).map((r) => seconds(r.repeat));
      expect(repeats.length, `a route for ${receiver}`).toBeGreaterThan(0);
      // conservative: the shortest repeat_interval of any route to this receiver
      expect(firingS, `${receiver}: fires ${firingS} s, repeats after ${Math.min(...repeats)} s`).toBeLessThan(
        Math.min(...repeats),
      );
    }
  });
});
