/**
 * The generated Grafana dashboards (grafana/dashboards-src → grafana/dashboards/<uid>.json): fixed unique uids,
 * a unit and a provisioned data source on every panel, every template variable a query uses defined, the plan's
 * targets as thresholds, and PromQL that reads documented metrics through the recording rules the alerts use.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { DASHBOARDS, renderDashboard } from '../../grafana/dashboards-src/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const UIDS = ['workshop-overview', 'workshop-health-scorecard', 'workshop-beta-tracker'];

interface DsRef {
  type?: string;
  uid?: string;
}
interface Target {
  refId?: string;
  datasource?: DsRef;
  expr?: string;
  rawSql?: string;
}
interface Steps {
  steps: Array<{ value: number | null; color: string }>;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DsRef;
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: {
    defaults: { unit?: string; thresholds?: Steps; links?: Array<{ url: string }> };
    overrides: Array<{ properties: Array<{ id: string; value: unknown }> }>;
  };
}
interface Variable {
  name: string;
  type: string;
  query?: unknown;
  datasource?: DsRef;
  regex?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Array<{ name: string; datasource: DsRef; target?: Target }> };
}

const dashboards: Dashboard[] = UIDS.map((uid) => JSON.parse(renderDashboard(uid)) as Dashboard);
const byUid = (uid: string) => dashboards.find((d) => d.uid === uid)!;
const panelsOf = (d: Dashboard) => d.panels.filter((p) => p.type !== 'row');

const PROVISIONED: Record<string, string> = {
  prometheus: 'prometheus',
  postgres: 'grafana-postgresql-datasource',
  '${datasource}': 'prometheus',
};
const isProvisioned = (ds: DsRef | undefined) => !!ds?.uid && PROVISIONED[ds.uid] === ds.type;

/** Every query text of a dashboard with where it is. */
function queries(d: Dashboard): Array<{ where: string; lang: 'promql' | 'sql'; text: string }> {
  const out: Array<{ where: string; lang: 'promql' | 'sql'; text: string }> = [];
  for (const p of panelsOf(d)) {
    for (const t of p.targets ?? []) {
      if (t.expr !== undefined) out.push({ where: `panel "${p.title}" ${t.refId}`, lang: 'promql', text: t.expr });
      if (t.rawSql !== undefined) out.push({ where: `panel "${p.title}" ${t.refId}`, lang: 'sql', text: t.rawSql });
    }
  }
  for (const v of d.templating.list) {
    if (v.type === 'query' && typeof v.query === 'string')
      out.push({
        where: `variable ${v.name}`,
        lang: v.datasource?.uid === 'postgres' ? 'sql' : 'promql',
        text: v.query,
      });
  }
  for (const a of d.annotations.list)
    if (a.target?.rawSql) out.push({ where: `annotation ${a.name}`, lang: 'sql', text: a.target.rawSql });
  return out;
}

/** Template variables referenced: $name, ${name}, ${name:format}, [[name]] (Grafana's built-ins start with __). */
function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{([A-Za-z0-9_]+)(?::[^}]*)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]/g)) {
    const name = m[1] ?? m[2] ?? m[3]!;
    if (!name.startsWith('__')) names.add(name);
  }
  return [...names];
}

describe('generated dashboards', () => {
  it('have the fixed uids, once each, one file per uid', () => {
    expect(Object.keys(DASHBOARDS).sort()).toEqual([...UIDS].sort());
    expect(dashboards.map((d) => d.uid)).toEqual(UIDS);
    expect(new Set(dashboards.map((d) => d.title)).size).toBe(UIDS.length);
    for (const d of dashboards) {
      const titles = panelsOf(d).map((p) => p.title);
      expect(
        titles.filter((t, i) => titles.indexOf(t) !== i),
        `${d.uid}: panel titles are unique`,
      ).toEqual([]);
    }
  });

  it('render deterministically (no timestamps, stable order)', () => {
    for (const uid of UIDS) expect(renderDashboard(uid)).toBe(renderDashboard(uid));
  });

  describe.each(UIDS)('%s', (uid) => {
    const d = byUid(uid);

    it('gives every panel a unit and a provisioned data source (panel and each query)', () => {
      expect(panelsOf(d).length).toBeGreaterThan(3);
      for (const p of panelsOf(d)) {
        // a text panel (the beta readiness checklist) shows no data: its content instead
        if (p.type === 'text') {
          expect((p as { options?: { content?: string } }).options?.content, `content of "${p.title}"`).toMatch(/\S/);
          continue;
        }
        expect(p.fieldConfig?.defaults.unit, `unit of "${p.title}"`).toMatch(/\S/);
        expect(isProvisioned(p.datasource), `data source of "${p.title}": ${JSON.stringify(p.datasource)}`).toBe(true);
        expect(p.targets?.length, `queries of "${p.title}"`).toBeGreaterThan(0);
        for (const t of p.targets!) {
          expect(isProvisioned(t.datasource), `data source of "${p.title}" ${t.refId}`).toBe(true);
          expect(t.datasource).toEqual(p.datasource);
        }
        expect(new Set(p.targets!.map((t) => t.refId)).size).toBe(p.targets!.length);
      }
      for (const v of d.templating.list.filter((x) => x.type === 'query'))
        expect(isProvisioned(v.datasource), `variable ${v.name}`).toBe(true);
      for (const a of d.annotations.list) expect(isProvisioned(a.datasource), `annotation ${a.name}`).toBe(true);
    });

    it('defines the Prometheus data source variable, defaulting to the provisioned uid', () => {
      const v = d.templating.list.find((x) => x.name === 'datasource');
      expect(v).toMatchObject({ type: 'datasource', query: 'prometheus', current: { value: 'prometheus' } });
    });

    it('defines every template variable a query, annotation or link uses', () => {
      const defined = new Set(d.templating.list.map((v) => v.name));
      const texts = queries(d).map((q) => ({ where: q.where, text: q.text }));
      for (const p of panelsOf(d)) {
        for (const l of p.fieldConfig?.defaults.links ?? []) texts.push({ where: `link of "${p.title}"`, text: l.url });
        if (p.datasource?.uid) texts.push({ where: `data source of "${p.title}"`, text: p.datasource.uid });
      }
      for (const { where, text } of texts) {
        for (const name of referencedVariables(text)) expect(defined.has(name), `${where} uses $${name}`).toBe(true);
      }
    });

    it('lays panels out on the 24-column grid without overlaps', () => {
      const cells = new Set<string>();
      for (const p of d.panels) {
        const { x, y, w, h } = p.gridPos;
        expect(x + w, `"${p.title}" fits the width`).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`), `"${p.title}" overlaps at ${i},${j}`).toBe(false);
            cells.add(`${i},${j}`);
          }
        }
      }
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    });

    it('uses only SQL macros Grafana knows and no literal time windows where the range applies', () => {
      for (const q of queries(d).filter((x) => x.lang === 'sql')) {
        for (const m of q.text.matchAll(/\$__([A-Za-z]+)/g))
          expect(
            ['timeFilter', 'timeFrom', 'timeTo', 'timeGroupAlias', 'timeGroup', 'unixEpochFilter'],
            q.where,
          ).toContain(m[1]);
        expect(q.text, q.where).not.toMatch(/;\s*\S/); // one statement
      }
    });
  });

  it("has the plan's targets as thresholds (conversion > 60%, approval < 24 h, acceptance > 70%, email > 98%, API errors < 1%)", () => {
    const required: Array<[string, string, number]> = [
      ['workshop-overview', 'Funnel conversion (30 days)', 60],
      ['workshop-overview', 'Signup conversion (24 h)', 0.6],
      ['workshop-overview', 'Signup conversion per day', 60],
      ['workshop-overview', 'Average decision time (7 days)', 86400],
      ['workshop-overview', 'Oldest application', 86400],
      ['workshop-overview', 'Approval time per day', 24],
      ['workshop-overview', 'Invite acceptance (7 days)', 70],
      ['workshop-overview', 'Invite acceptance per day', 70],
      ['workshop-overview', 'Email success rate (24 h)', 0.98],
      ['workshop-overview', 'Email success per day', 98],
      ['workshop-overview', 'API error rate (1 h)', 0.01],
      ['workshop-health-scorecard', 'Invite acceptance (30 days)', 0.7],
      ['workshop-beta-tracker', 'Email delivery (24 h)', 0.98],
    ];
    for (const [uid, title, value] of required) {
      const p = panelsOf(byUid(uid)).find((x) => x.title === title);
      expect(p, `${uid}: panel "${title}"`).toBeDefined();
      const sets = [
        p!.fieldConfig!.defaults.thresholds,
        ...p!.fieldConfig!.overrides.flatMap((o) =>
          o.properties.filter((x) => x.id === 'thresholds').map((x) => x.value as Steps),
        ),
      ];
      expect(
        sets.flatMap((s) => s?.steps.map((x) => x.value) ?? []),
        `${uid}: thresholds of "${title}"`,
      ).toContain(value);
    }
    // the readiness checklist compares with the same targets
    const readiness = panelsOf(byUid('workshop-beta-tracker'))
      .flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''))
      .join('\n');
    expect(readiness).toContain('< bool 86400');
    expect(readiness).toContain('> bool 0.7');
    expect(readiness).toContain('> bool 0.98');
  });

  it('reads documented metrics, through the recording rules wherever a rule computes them', () => {
    const rules = YAML.parse(
      readFileSync(path.join(ROOT, 'prometheus/rules/workshop-analytics.rules.yml'), 'utf8'),
    ) as { groups: Array<{ rules: Array<{ record?: string; expr: string }> }> };
    const recorded = new Set(rules.groups.flatMap((g) => g.rules.map((r) => r.record).filter(Boolean)));
    // raw metrics the rules wrap: a dashboard must read the rule instead (one computation everywhere)
    const wrapped = new Set(
      rules.groups.flatMap((g) =>
        g.rules.flatMap((r) => [...r.expr.matchAll(/\b(workshop_[a-z0-9_]+)\b/g)].map((m) => m[1]!)),
      ),
    );
    const documented = new Set(
      [...readFileSync(path.join(ROOT, 'docs/metrics.md'), 'utf8').matchAll(/`([a-z_:]+)`/g)].map((m) => m[1]!),
    );
    const promql = dashboards.flatMap((d) => queries(d).filter((q) => q.lang === 'promql'));
    expect(promql.length).toBeGreaterThan(20);
    for (const q of promql) {
      for (const m of q.text.matchAll(/\b([a-z_]+:[a-z0-9_]+:[a-z0-9_]+)\b/g))
        expect(recorded.has(m[1]!), `${q.where}: ${m[1]} is a recording rule`).toBe(true);
      for (const m of q.text.matchAll(/(?<![:\w])(workshop_[a-z0-9_]+)\b(?!:)/g)) {
        if (m[1] === 'workshop_id') continue; // the label
        expect(documented.has(m[1]!), `${q.where}: ${m[1]} is in docs/metrics.md`).toBe(true);
        expect(wrapped.has(m[1]!), `${q.where}: ${m[1]} is computed by a recording rule; read the rule`).toBe(false);
      }
    }
  });

  it('links overview panels to the scorecard for the clicked workshop', () => {
    const links = panelsOf(byUid('workshop-overview')).flatMap((p) =>
      (p.fieldConfig?.defaults.links ?? []).map((l) => ({ title: p.title, url: l.url })),
    );
    expect(links.map((l) => l.title)).toEqual(
      expect.arrayContaining(['Active workshops', 'Open alerts', 'Health score by workshop', 'Applications waiting']),
    );
    for (const l of links)
      expect(l.url).toMatch(
        /^\/d\/workshop-health-scorecard\?var-workshop=\$\{__(data\.fields|field\.labels)\.workshop_id\}/,
      );
    const scorecardVar = byUid('workshop-health-scorecard').templating.list.find((v) => v.name === 'workshop');
    expect(scorecardVar).toMatchObject({ type: 'query', datasource: { uid: 'postgres' } });
  });

  it('annotates approvals and suspensions from workshop_events (or its view grafana_events), the beta milestones from workshops', () => {
    const names = (uid: string) => byUid(uid).annotations.list.map((a) => a.name);
    expect(names('workshop-overview')).toEqual(['Approvals', 'Suspensions']);
    expect(names('workshop-beta-tracker')).toEqual(['Approvals', 'Suspensions', 'Beta milestone']);
    for (const d of dashboards) {
      for (const a of d.annotations.list) {
        expect(a.datasource.uid).toBe('postgres');
        const source = a.name === 'Beta milestone' ? /FROM workshops\b/ : /(workshop|grafana)_events/;
        expect(a.target!.rawSql).toMatch(new RegExp(`${source.source}[\\s\\S]*\\$__timeFilter\\(`));
      }
    }
  });

  it('defines a beta workshop once: the table, the annotation and the success metrics share the window and order', () => {
    const beta = byUid('workshop-beta-tracker');
    const windowOf = (column: string) =>
      `${column} >= to_timestamp(\${beta_start}) AND ${column} < to_timestamp(\${beta_end})`;
    const window = windowOf('approved_at');
    const table = panelsOf(beta).find((p) => p.title === 'Beta workshops')!.targets![0]!.rawSql!;
    const annotation = beta.annotations.list.find((a) => a.name === 'Beta milestone')!.target!.rawSql!;
    for (const sql of [table, annotation]) {
      expect(sql).toContain(window);
      expect(sql).toContain('row_number() OVER (ORDER BY approved_at, workshop_id)');
    }
    // both milestones, as WorkshopBetaMilestoneReached (milestone="target_min" | "target_max")
    expect(annotation).toContain('WHERE n IN (${beta_target_min}, ${beta_target_max})');
    for (const title of ['Mechanics onboarded', 'Sessions completed', 'Revenue'])
      expect(panelsOf(beta).find((p) => p.title === title)!.targets![0]!.rawSql, title).toContain(
        windowOf('w.approved_at'),
      );
    expect(panelsOf(beta).find((p) => p.title === 'All beta workshops active')!.targets![0]!.rawSql).toContain(window);
  });

  it('shows open, unacknowledged dashboard-audience notifications: a table on the overview, a banner on the beta tracker', () => {
    const open = `a.status = 'firing' AND NOT a.acknowledged AND a.labels ->> 'audience' = 'dashboard'`;
    const overview = panelsOf(byUid('workshop-overview'));
    const table = overview.find((p) => p.title === 'Notifications')!;
    expect(table.type).toBe('table');
    expect(overview[0]).toBe(table); // first thing on the dashboard
    const sql = table.targets![0]!.rawSql!;
    expect(sql).toContain(`WHERE ${open}`);
    expect(sql).toMatch(/ORDER BY a\.starts_at DESC/);
    for (const column of ['since', 'title', 'message', 'workshop', '"alert id"']) expect(sql).toContain(column);

    const beta = byUid('workshop-beta-tracker');
    const banner = beta.panels[0]!;
    expect(banner).toMatchObject({
      type: 'stat',
      title: 'Beta milestone notification',
      gridPos: { x: 0, y: 0, w: 24 },
    });
    const bannerSql = banner.targets![0]!.rawSql!;
    expect(bannerSql).toContain(`a.alert_type = 'WorkshopBetaMilestoneReached' AND ${open}`);
    expect(bannerSql).toContain(`'No new beta milestone') AS banner`);
  });
});
