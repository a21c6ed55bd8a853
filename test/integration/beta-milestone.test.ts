/**
 * The beta milestone on real PostgreSQL with two replicas: workshop_beta_workshops and
 * workshop_beta_milestone_timestamp_seconds on /metrics of both, at the window's edges and with a late approval, and
 * the Beta Program Tracker's "Beta milestone" annotation and "Beta workshops" table (the generated JSON, run as
 * grafana_reader) marking exactly the same approvals. Expected values are worked out by hand from the events below.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { connectAsGrafanaReader, type GrafanaReader } from '../support/grafana-reader.js';
import { postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
const ROOT = path.resolve(import.meta.dirname, '../..');
const DAY = 86_400_000;
const ADMIN = '90000000-0000-4000-8000-000000000001';
const id = (n: number) => `b0000000-0000-4000-8000-00000000000${n}`;
const W = { pre: id(1), b1: id(2), b2: id(3), b3: id(4), b4: id(5), b5: id(6), after: id(7) };

/** The beta window: whole UTC days in the past, so every event below is accepted (none in the future). */
const startMs = Math.floor((Date.now() - 60 * DAY) / DAY) * DAY;
const endMs = startMs + 50 * DAY;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const approve = (w: string, ms: number) => ({
  type: 'workshop_approved',
  workshop_id: w,
  admin_id: ADMIN,
  occurred_at: new Date(ms).toISOString(),
});
const signup = (w: string, name: string) => ({
  type: 'workshop_signup_success',
  workshop_id: w,
  occurred_at: new Date(startMs - 10 * DAY).toISOString(),
  metadata: { name, city: 'Toronto' },
});

const gauge = (text: string, name: string, labels = '') => {
  const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

interface Dashboard {
  panels: Array<{ type: string; title: string; targets?: Array<{ rawSql?: string }> }>;
  annotations: { list: Array<{ name: string; target: { rawSql?: string } }> };
}
const tracker = JSON.parse(
  readFileSync(path.join(ROOT, 'grafana/dashboards/workshop-beta-tracker.json'), 'utf8'),
) as Dashboard;

describe('beta workshops and milestones: two replicas, the window edges, a late approval, the same on the dashboard', () => {
  let a: Svc;
  let b: Svc;
  let reader: GrafanaReader;
  const beta = { BETA_START: isoDate(startMs), BETA_END: isoDate(endMs) };

  const metrics = async () => Promise.all([a, b].map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
  const refresh = () => Promise.all([a, b].map((s) => s.aggregator.refresher.refresh()));
  /** Grafana's variables and $__timeFilter over a range holding the whole window. */
  const runAsGrafana = async (rawSql: string) => {
    const vars: Record<string, string> = {
      beta_start: String(startMs / 1000),
      beta_end: String(endMs / 1000),
      beta_target_min: '3',
      beta_target_max: '5',
    };
    // the region and city variables at "All": every value the workshops have (as their queries offer them)
    const all = async (col: string) =>
      (await reader.client.query(`SELECT DISTINCT coalesce(${col}, '(none)') AS v FROM workshops`)).rows
        .map((r: { v: string }) => `'${r.v.replaceAll("'", "''")}'`)
        .join(', ') || "'(none)'";
    const lists: Record<string, string> = { region: await all('region'), city: await all('city') };
    const sql = rawSql
      .replace(/\$\{(\w+)\}/g, (_, name: string) => vars[name]!)
      .replace(/\$(region|city)\b/g, (_, name: string) => lists[name]!)
      .replace(
        /\$__timeFilter\(([^()]+)\)/g,
        (_, col: string) =>
          `${col} BETWEEN '${new Date(startMs - 30 * DAY).toISOString()}' AND '${new Date(endMs + 30 * DAY).toISOString()}'`,
      );
    return (await reader.client.query(sql)).rows as Array<Record<string, unknown>>;
  };

  beforeAll(async () => {
    const db = await createTestDatabase();
    a = await startTestService(beta, db);
    b = await startTestService(beta, db);
    reader = await connectAsGrafanaReader(db);
    const events = [
      ...Object.entries(W).map(([k, w]) => signup(w, `Shop ${k}`)),
      approve(W.pre, startMs - 1), // first approved 1 ms before the start: never a beta workshop ...
      approve(W.pre, startMs + DAY), // ... though approved again within the window
      approve(W.b1, startMs), // the start itself: 1st
      approve(W.b2, startMs + 2 * DAY), // 2nd
      approve(W.b3, startMs + 5 * DAY), // 3rd: target_min, until the late approval below
      approve(W.b5, endMs - 1), // the last millisecond of the window
      approve(W.after, endMs), // the end itself: not a beta workshop
    ];
    expect((await postEvents(a.url, { events })).status).toBe(202);
  });
  afterAll(async () => {
    await reader?.close();
    await a?.stop();
    await b?.stop();
  });

  it('counts first approvals in [BETA_START, BETA_END) and exports the 3rd as target_min, on both replicas', async () => {
    await refresh();
    for (const text of await metrics()) {
      expect(gauge(text, 'workshop_beta_workshops')).toBe(4); // b1, b2, b3, b5
      expect(gauge(text, 'workshop_beta_milestone_timestamp_seconds', 'milestone="target_min"')).toBe(
        (startMs + 5 * DAY) / 1000,
      );
      // 4 of 5: not reached, so absent
      expect(gauge(text, 'workshop_beta_milestone_timestamp_seconds', 'milestone="target_max"')).toBeUndefined();
    }
  });

  it('a late approval that occurred before the 3rd becomes the 3rd: the milestone moves to when it occurred', async () => {
    expect((await postEvents(b.url, approve(W.b4, startMs + 3 * DAY))).status).toBe(202);
    await refresh();
    for (const text of await metrics()) {
      expect(gauge(text, 'workshop_beta_workshops')).toBe(5);
      expect(gauge(text, 'workshop_beta_milestone_timestamp_seconds', 'milestone="target_min"')).toBe(
        (startMs + 3 * DAY) / 1000,
      );
      expect(gauge(text, 'workshop_beta_milestone_timestamp_seconds', 'milestone="target_max"')).toBe(
        (endMs - 1) / 1000,
      );
    }
  });

  it('the "Beta milestone" annotation marks the same two approvals; the table lists the same workshops in order', async () => {
    const annotation = tracker.annotations.list.find((x) => x.name === 'Beta milestone')!.target.rawSql!;
    expect((await runAsGrafana(annotation)).map((r) => [(r.time as Date).getTime(), r.text])).toEqual([
      [startMs + 3 * DAY, 'Beta target reached: 3 beta workshops (Shop b4)'],
      [endMs - 1, 'Beta target reached: 5 beta workshops (Shop b5)'],
    ]);
    const table = tracker.panels.find((p) => p.type === 'table' && p.title === 'Beta workshops')!.targets![0]!.rawSql!;
    expect((await runAsGrafana(table)).map((r) => [r['#'], r.workshop_id])).toEqual([
      ['1', W.b1],
      ['2', W.b2],
      ['3', W.b4],
      ['4', W.b3],
      ['5', W.b5],
    ]);
  });
});
