/** Every generated artefact: path (relative to the repository root) → renderer. */
import { renderEventsDoc } from './docs/events-doc.js';
import { renderHealthDoc } from './docs/health-doc.js';
import { renderKpisDoc } from './docs/kpis-doc.js';
import { renderMetricsDoc } from './docs/metrics-doc.js';
import { renderRegionsDoc } from './docs/regions-doc.js';
import { renderRunbooksDoc } from './docs/runbooks-doc.js';
import { DASHBOARDS, renderDashboard } from '../grafana/dashboards-src/index.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderAlertmanagerConfig, renderLinksTemplate } from './alertmanager/render.js';
import { parseEnvFile, settingsFromEnv } from './alertmanager/settings.js';
import {
  GENERATED_TESTS_DIR,
  POLICY,
  renderAlertRuleFiles,
  renderRouteExpectations,
  renderRuleTestFiles,
  ROUTE_EXPECTATIONS_FILE,
  RUNBOOKS_FILE,
} from '../src/policy/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The documented example settings (prometheus/alertmanager/settings.example.env), file paths from the repo root. */
function exampleAlertmanagerSettings() {
  const env = parseEnvFile(readFileSync(path.join(ROOT, 'prometheus/alertmanager/settings.example.env'), 'utf8'));
  env.ALERT_HEARTBEAT_URL_FILE = path.resolve(ROOT, env.ALERT_HEARTBEAT_URL_FILE!);
  return settingsFromEnv(env);
}

export const GENERATED: Record<string, () => string | Promise<string>> = {
  'docs/events.md': renderEventsDoc,
  'docs/metrics.md': renderMetricsDoc,
  'docs/kpis.md': renderKpisDoc,
  'docs/health-score.md': renderHealthDoc,
  'docs/regions.md': renderRegionsDoc,
  'prometheus/alertmanager/alertmanager.yml': () => renderAlertmanagerConfig(exampleAlertmanagerSettings()),
  'prometheus/alertmanager/links.tmpl': () => renderLinksTemplate(exampleAlertmanagerSettings()),
  ...Object.fromEntries([...renderAlertRuleFiles(POLICY)].map(([f, text]) => [`prometheus/alerts/${f}`, () => text])),
  [ROUTE_EXPECTATIONS_FILE]: () => renderRouteExpectations(POLICY),
  [RUNBOOKS_FILE]: () => renderRunbooksDoc(POLICY),
  ...Object.fromEntries(
    [...renderRuleTestFiles(POLICY)].map(([f, text]) => [`${GENERATED_TESTS_DIR}/${f}`, () => text]),
  ),
  ...Object.fromEntries(
    Object.keys(DASHBOARDS).map((uid) => [`grafana/dashboards/${uid}.json`, () => renderDashboard(uid)]),
  ),
};

/** Directories whose every file is generated: `npm run generate` removes files there it no longer writes. */
export const GENERATED_DIRS: readonly string[] = [GENERATED_TESTS_DIR];
