/** Every generated artefact: path (relative to the repository root) → renderer. */
import { renderEventsDoc } from './docs/events-doc.js';
import { renderHealthDoc } from './docs/health-doc.js';
import { renderKpisDoc } from './docs/kpis-doc.js';
import { renderMetricsDoc } from './docs/metrics-doc.js';
import { DASHBOARDS, renderDashboard } from '../grafana/dashboards-src/index.js';

export const GENERATED: Record<string, () => string | Promise<string>> = {
  'docs/events.md': renderEventsDoc,
  'docs/metrics.md': renderMetricsDoc,
  'docs/kpis.md': renderKpisDoc,
  'docs/health-score.md': renderHealthDoc,
  ...Object.fromEntries(
    Object.keys(DASHBOARDS).map((uid) => [`grafana/dashboards/${uid}.json`, () => renderDashboard(uid)]),
  ),
};
