/** GET /healthz, GET /readyz, GET /metrics and GET /openapi.json in the OpenAPI document. */
import { z } from 'zod';
import { errors, internalError, jsonResponse, unauthorized, type FeatureDoc } from './api-doc.js';
import { OPENAPI_PATH } from './openapi-routes.js';

const healthy = z.strictObject({ status: z.literal('ok') });
const ready = z.strictObject({ status: z.literal('ready') });
const notReady = z.strictObject({
  status: z.literal('not_ready'),
  problems: z.array(z.string()).optional().meta({
    description: 'What is wrong (unreachable database, migrations missing, shutting down): admin token only.',
  }),
});

export const healthDoc: FeatureDoc = {
  routes: [
    {
      method: 'get',
      path: '/healthz',
      operationId: 'getHealthz',
      tag: 'operations',
      summary: 'The process is alive',
      auth: 'none',
      responses: { 200: jsonResponse('Alive.', healthy, { status: 'ok' }) },
      errors: internalError,
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'getReadyz',
      tag: 'operations',
      summary: 'The service can take traffic',
      description:
        'Ready when PostgreSQL is reachable and every migration is applied, until SIGTERM. Anyone may ask; only ' +
        'an admin token gets the problems of a 503.',
      auth: 'adminOptional',
      responses: {
        200: jsonResponse('Ready.', ready, { status: 'ready' }),
        503: jsonResponse('Not ready (the problems only with an admin token).', notReady, {
          status: 'not_ready',
          problems: ['database unreachable: connect ECONNREFUSED 127.0.0.1:5432'],
        }),
      },
      errors: internalError,
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      description:
        'Prometheus text format (docs/metrics.md lists the metrics). Wants a metrics token only when ' +
        'METRICS_TOKENS is set; with METRICS_PORT it is served on that port instead.',
      auth: 'metricsOptional',
      responses: {
        200: {
          description: 'The metrics, in Prometheus text exposition format 0.0.4.',
          content: {
            'text/plain; version=0.0.4; charset=utf-8': {
              example:
                '# TYPE workshop_events_total counter\nworkshop_events_total{type="session_completed",' +
                'category="activity",outcome="success"} 1\n',
            },
          },
        },
      },
      errors: errors(unauthorized('metrics'), internalError),
    },
    {
      method: 'get',
      path: OPENAPI_PATH,
      operationId: 'getOpenApi',
      tag: 'operations',
      summary: 'This document',
      description: 'The OpenAPI 3.1 description of this API (also committed as docs/openapi.json). With an ETag.',
      auth: 'none',
      responses: {
        200: jsonResponse('The OpenAPI document.', z.looseObject({ openapi: z.literal('3.1.0') })),
        304: { description: 'Not modified (If-None-Match named the current ETag).' },
      },
      errors: internalError,
    },
  ],
};
