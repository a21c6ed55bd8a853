/**
 * `npm run generate`: writes every generated artefact listed in scripts/generated.ts — from the policy
 * (src/policy/): prometheus/alerts/*.yml, the promtool boundary tests in prometheus/tests/generated/, the routing
 * expectations prometheus/alertmanager/route-expectations.yml and docs/runbooks.md; docs/events.md, docs/metrics.md,
 * docs/kpis.md, docs/health-score.md, docs/regions.md, grafana/dashboards/<uid>.json for each dashboard, and
 * prometheus/alertmanager/alertmanager.yml with links.tmpl rendered from the example settings. Files in a
 * generated-only directory that are no longer generated are removed. A test fails when any is stale.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GENERATED, GENERATED_DIRS } from './generated.js';

const root = path.resolve(import.meta.dirname, '..');
for (const dir of GENERATED_DIRS) {
  await mkdir(path.join(root, dir), { recursive: true });
  for (const f of await readdir(path.join(root, dir)))
    if (!(`${dir}/${f}` in GENERATED)) {
      await rm(path.join(root, dir, f));
      console.log(`removed ${dir}/${f}`);
    }
}
for (const [file, render] of Object.entries(GENERATED)) {
  await writeFile(path.join(root, file), await render());
  console.log(`wrote ${file}`);
}
