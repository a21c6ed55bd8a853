/**
 * docs/example-report.html: the period report of the demo programme (scripts/demo) at a fixed anchor and seed,
 * so the same file every time. Built through the real path: the demo is loaded into a running service
 * (loadDemo: events, then the daily and weekly KPI backfill) and the report is GET /api/reports/kpi's answer.
 * The report shows no clock time (no "generated at"), so nothing in it depends on when it is built.
 */
import { loadDemo } from '../demo/load.js';

export const EXAMPLE_REPORT_FILE = 'docs/example-report.html';
/** The demo programme's fixed anchor and seed (as its own tests use): six weeks ending Friday 2026-11-20. */
export const EXAMPLE_ANCHOR_MS = Date.parse('2026-11-20T15:37:00Z');
export const EXAMPLE_SEED = 4242;
/** An ISO week of the programme with approvals and invitations: one weekly row, the week before as the previous. */
export const EXAMPLE_QUERY = { type: 'weekly', from: '2026-10-19', to: '2026-10-25', format: 'html' } as const;

/** Settings the example depends on, pinned (the generator and the stale-file test start their service with them). */
export const EXAMPLE_ENV = { METRICS_TZ: 'UTC', BETA_TARGET_MIN: '3', BETA_TARGET_MAX: '5' } as const;

export interface ExampleService {
  url: string;
  ingestToken: string;
  adminToken: string;
}

/** Loads the demo into `svc` (a service on a fresh database, EXAMPLE_ENV) and answers the example report. */
export async function renderExampleReport(svc: ExampleService): Promise<string> {
  await loadDemo({
    serviceUrl: svc.url,
    ingestToken: svc.ingestToken,
    adminToken: svc.adminToken,
    nowMs: EXAMPLE_ANCHOR_MS,
    seed: EXAMPLE_SEED,
  });
  const res = await fetch(`${svc.url}/api/reports/kpi?${new URLSearchParams(EXAMPLE_QUERY)}`, {
    headers: { authorization: `Bearer ${svc.adminToken}` },
  });
  if (!res.ok) throw new Error(`GET /api/reports/kpi answered ${res.status}: ${await res.text()}`);
  return res.text();
}
