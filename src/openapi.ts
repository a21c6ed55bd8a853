/**
 * The OpenAPI 3.1 document of the whole HTTP API: every feature's route docs (each beside its routes), built by
 * http/openapi-document.ts from their zod schemas. Served at GET /openapi.json and committed as docs/openapi.json
 * (`npm run generate`; a test fails when it is stale, another when a served route is not in it).
 */
import { kpiDoc } from './aggregate/kpi-openapi.js';
import { workshopDoc } from './aggregate/workshop-openapi.js';
import { alertsDoc } from './alerts/alert-openapi.js';
import { eventSearchDoc } from './events/event-search-openapi.js';
import type { FeatureDoc } from './http/api-doc.js';
import { healthDoc } from './http/health-openapi.js';
import { buildOpenApiDocument, type ApiInfo } from './http/openapi-document.js';
import { eventsDoc } from './ingest/event-openapi.js';
import { reportsDoc } from './reports/report-openapi.js';

export const FEATURE_DOCS: readonly FeatureDoc[] = [
  eventsDoc,
  eventSearchDoc,
  kpiDoc,
  workshopDoc,
  alertsDoc,
  reportsDoc,
  healthDoc,
];

export const API_INFO: ApiInfo = {
  title: 'Workshop Analytics API',
  version: '1.0.0',
  description:
    'Business events of the workshop programme in (POST /v1/events, ingest token), KPIs, reports, alerts and the ' +
    'stored events out (/api, admin token). Every error is `{"error": {"code", "message", "details"}}`; a client ' +
    'mistake is a 4xx and changes nothing. Generated from the zod schemas that validate the requests ' +
    '(`npm run generate`); the README explains each endpoint.',
  tags: [
    { name: 'events', description: 'Events in (ingest token) and out (search and export, admin token).' },
    { name: 'kpis', description: 'KPI periods: compute, backfill and read (admin token).' },
    { name: 'checks', description: 'The hourly checks (admin token).' },
    { name: 'workshops', description: "A workshop's health score (admin token)." },
    { name: 'alerts', description: "Alertmanager's webhook and the alert history." },
    { name: 'reports', description: 'The period report as HTML, Markdown or CSV (admin token).' },
    { name: 'operations', description: 'Liveness, readiness, Prometheus metrics and this document.' },
  ],
};

let built: Record<string, unknown> | undefined;

/** The document (built once). */
export function openApiDocument(): Record<string, unknown> {
  return (built ??= buildOpenApiDocument(API_INFO, FEATURE_DOCS));
}
