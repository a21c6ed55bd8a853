/**
 * One number, one place: in a temporary copy of the repository, the policy's WorkshopApplicationStuck threshold is
 * edited in its source (48h → 36h) and `scripts/generate.ts` is run. Every artefact that shows the number changes
 * consistently — the rule's expression and message, the generated promtool boundaries (which promtool then passes),
 * the dashboard's threshold colour, docs/kpis.md, the runbook — and nothing else changes. Needs promtool on PATH.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED } from '../../scripts/generated.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const copy = mkdtempSync(path.join(tmpdir(), 'policy-change-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');
const OLD = 48 * 3600;
const NEW = 36 * 3600;

/** The stuck-application rule's block (from its `- alert:` line to the next rule). */
const stuckRule = (yml: string) => /- alert: WorkshopApplicationStuck\n[\s\S]*?(?=\n\n|\n {6}- alert:|$)/.exec(yml)![0];

/** Values of every threshold step of the panels of a dashboard. */
function thresholdSteps(json: string): number[] {
  const out: number[] = [];
  JSON.stringify(JSON.parse(json), (k, v: unknown) => {
    if (k === 'steps' && Array.isArray(v))
      for (const s of v as Array<{ value: number | null }>) out.push(s.value ?? -1);
    return v;
  });
  return out;
}

beforeAll(() => {
  for (const dir of ['src', 'scripts', 'grafana', 'prometheus', 'docs', 'migrations', 'packages'])
    cpSync(path.join(ROOT, dir), path.join(copy, dir), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json', '.prettierrc.json']) cpSync(path.join(ROOT, f), path.join(copy, f));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  const file = path.join(copy, 'src/policy/alerts/kpi-alerts.ts');
  const source = readFileSync(file, 'utf8');
  const edited = source.replace(
    /(name: 'WorkshopApplicationStuck',[\s\S]*?threshold: )hours\(48\)/,
    (_, head: string) => `${head}hours(36)`,
  );
  expect(edited).not.toBe(source);
  writeFileSync(file, edited);
  execFileSync(path.join(copy, 'node_modules/.bin/tsx'), ['scripts/generate.ts'], {
    cwd: copy,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 120_000,
  });
}, 180_000);

describe('changing one threshold in the policy (WorkshopApplicationStuck 48h → 36h)', () => {
  it('changes exactly the artefacts that show it', () => {
    const changed = Object.keys(GENERATED).filter((f) => read(ROOT, f) !== read(copy, f));
    expect(changed.sort()).toEqual(
      [
        'docs/kpis.md',
        'docs/runbooks.md',
        'grafana/dashboards/workshop-overview.json',
        'prometheus/alerts/workshop-kpis.alerts.yml',
        'prometheus/tests/generated/workshop-application-stuck.test.yml',
      ].sort(),
    );
  });

  it('the rule compares with 36 h and says so; the other rules are untouched', () => {
    const before = read(ROOT, 'prometheus/alerts/workshop-kpis.alerts.yml');
    const after = read(copy, 'prometheus/alerts/workshop-kpis.alerts.yml');
    const rule = stuckRule(after);
    expect(rule).toContain('expr: workshop_id:application_pending_age:seconds > 36 * 3600\n');
    expect(rule).toContain('has been pending for 36+ hours');
    expect(rule).toContain('(threshold 36h)');
    expect(rule).not.toMatch(/48/);
    expect(after.replace(rule, '')).toBe(before.replace(stuckRule(before), ''));
  });

  it('the generated boundary test sets the input just below, at and just above 36 h', () => {
    const t = read(copy, 'prometheus/tests/generated/workshop-application-stuck.test.yml');
    for (const v of [NEW - 1, NEW, NEW + 1]) expect(t).toContain(`values: '${v}x`);
    expect(t).not.toContain(String(OLD));
  });

  it('promtool passes the regenerated boundary tests against the regenerated rules', () => {
    const dir = path.join(copy, 'prometheus/tests/generated');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
    const out = execFileSync('promtool', ['test', 'rules', ...files], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(out.match(/SUCCESS/g)).toHaveLength(files.length);
  });

  it('the overview dashboard turns red at 36 h instead of 48 h', () => {
    const before = thresholdSteps(read(ROOT, 'grafana/dashboards/workshop-overview.json'));
    const after = thresholdSteps(read(copy, 'grafana/dashboards/workshop-overview.json'));
    const count = (xs: number[], v: number) => xs.filter((x) => x === v).length;
    expect(count(before, OLD)).toBeGreaterThan(0);
    expect(count(after, OLD)).toBe(0);
    expect(count(after, NEW)).toBe(count(before, OLD));
  });

  it('docs/kpis.md and the runbook state 36 h', () => {
    const kpis = read(copy, 'docs/kpis.md');
    expect(kpis).toContain('| `stuck_applications` | pending for more than 36 h |');
    expect(kpis).toContain('`WorkshopApplicationStuck` above 36h (for 5m)');
    const runbook = /## WorkshopApplicationStuck\n[\s\S]*?(?=\n## )/.exec(read(copy, 'docs/runbooks.md'))![0];
    expect(runbook).toContain('for more than 36h, for 5 minutes');
    expect(runbook).toContain('seconds / 3600 > 36`');
    expect(runbook).toContain("interval '36 hours'");
    expect(runbook).not.toMatch(/48/);
  });
});
