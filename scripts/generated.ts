/** Every generated artefact: path (relative to the repository root) → renderer. */
import { renderEventsDoc } from './docs/events-doc.js';
import { renderMetricsDoc } from './docs/metrics-doc.js';

export const GENERATED: Record<string, () => string | Promise<string>> = {
  'docs/events.md': renderEventsDoc,
  'docs/metrics.md': renderMetricsDoc,
};
