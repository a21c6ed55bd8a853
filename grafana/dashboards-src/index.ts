/**
 * The generated dashboards: uid → JSON, written to grafana/dashboards/<uid>.json by `npm run generate`
 * (scripts/generated.ts). Deterministic: panel ids in layout order, object keys sorted, no timestamps.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { betaDashboard } from './beta-tracker.js';
import { UIDS } from './defaults.js';
import { scorecardDashboard } from './health-scorecard.js';
import { overviewDashboard } from './overview.js';

export const DASHBOARDS: Record<string, () => cog.Builder<dashboard.Dashboard>> = {
  [UIDS.overview]: overviewDashboard,
  [UIDS.scorecard]: scorecardDashboard,
  [UIDS.beta]: betaDashboard,
};

/** Sorted keys, functions and undefined dropped: the same input always gives the same text. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && typeof x !== 'function') out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

export function buildDashboard(uid: string): dashboard.Dashboard {
  const make = DASHBOARDS[uid];
  if (!make) throw new Error(`no dashboard ${uid}`);
  const d = make().build();
  let id = 0;
  for (const p of d.panels ?? []) {
    p.id = ++id;
    // data links are {title, url, targetBlank}: drop the dashboard-link fields the SDK's link builder adds
    const defaults = 'fieldConfig' in p ? p.fieldConfig?.defaults : undefined;
    if (defaults?.links)
      defaults.links = defaults.links.map(
        ({ title, url, targetBlank }) => ({ title, url, targetBlank }) as dashboard.DashboardLink,
      );
  }
  // annotation toggles and dashboard links in the dashboard's top bar (the SDK defaults to the controls menu)
  for (const a of d.annotations?.list ?? []) delete a.placement;
  for (const l of d.links ?? []) delete l.placement;
  d.id = null;
  d.version = 1;
  return d;
}

export function renderDashboard(uid: string): string {
  return `${JSON.stringify(canonical(buildDashboard(uid)), null, 2)}\n`;
}
