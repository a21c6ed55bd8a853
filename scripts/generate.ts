/**
 * `npm run generate`: writes every generated artefact listed in scripts/generated.ts — docs/events.md,
 * docs/metrics.md, docs/kpis.md, docs/health-score.md, docs/openapi.json (the HTTP API, OpenAPI 3.1),
 * grafana/dashboards/<uid>.json for each dashboard (workshop-overview, workshop-health-scorecard, workshop-beta-tracker), and prometheus/alertmanager/alertmanager.yml
 * with links.tmpl rendered from the example settings. A test fails when any is stale.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GENERATED } from './generated.js';

const root = path.resolve(import.meta.dirname, '..');
for (const [file, render] of Object.entries(GENERATED)) {
  await writeFile(path.join(root, file), await render());
  console.log(`wrote ${file}`);
}
