/** Alertmanager's webhook, the alert history and acknowledgement (alert-routes.ts) in the OpenAPI document. */
import { z } from 'zod';
import {
  bodyErrors,
  databaseUnavailable,
  errors,
  internalError,
  invalidRequestExample,
  jsonResponse,
  thrownExample,
  unauthorized,
  type FeatureDoc,
} from '../http/api-doc.js';
import { uuidParam } from '../http/request-validation.js';
import { acknowledgeBody, alertListQuery, webhookBody } from './alert-routes.js';

/** One row of workshop_alerts (alert-store.ts: AlertRow). */
export const alertRowSchema = z.strictObject({
  id: z.uuid(),
  alert_type: z.string().meta({ description: 'The alert name (e.g. WorkshopApprovalBacklog).' }),
  severity: z.enum(['critical', 'warning', 'info']),
  status: z.enum(['firing', 'resolved']),
  title: z.string(),
  message: z.string(),
  workshop_id: z.uuid().nullable(),
  fingerprint: z.string(),
  starts_at: z.iso.datetime(),
  ends_at: z.iso.datetime().nullable(),
  resolved_at: z.iso.datetime().nullable(),
  acknowledged: z.boolean(),
  acknowledged_by: z.string().nullable(),
  acknowledged_at: z.iso.datetime().nullable(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});

const firing = {
  version: '4',
  status: 'firing',
  receiver: 'workshop-analytics',
  externalURL: 'http://alertmanager:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'WorkshopApprovalBacklog', severity: 'warning' },
      annotations: { summary: 'Approval backlog', description: '6 applications wait for approval (threshold 5)' },
      startsAt: '2026-03-02T09:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: 'c0ffee0123456789',
    },
  ],
};
const ALERT_ID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const notFound = {
  404: {
    description: 'No such alert.',
    examples: {
      not_found: { summary: 'unknown alert', value: { error: { code: 'not_found', message: `no alert ${ALERT_ID}` } } },
    },
  },
};

export const alertsDoc: FeatureDoc = {
  schemas: { AlertRow: alertRowSchema },
  routes: [
    {
      method: 'post',
      path: '/api/alerts/webhook',
      operationId: 'receiveAlertmanagerWebhook',
      tag: 'alerts',
      summary: "Alertmanager's webhook",
      description:
        "Alertmanager's webhook payload (version 4): one workshop_alerts row per alert instance, resolved when " +
        "resolved; e-mails a workshop's owner when WorkshopThriving fires (bounded wait, never a 5xx for a mail).",
      auth: 'alertWebhook',
      body: {
        schema: webhookBody,
        required: true,
        examples: { firing: { summary: 'one alert firing', value: firing } },
      },
      responses: {
        200: jsonResponse('Recorded.', z.strictObject({ recorded: z.int().min(0) }), { recorded: 1 }),
      },
      errors: errors(
        {
          400: {
            description: 'Not a webhook payload (at most 5 problems in the message; all in details). Nothing stored.',
            examples: {
              invalid_request: invalidRequestExample(
                'an alert without alertname',
                webhookBody,
                {
                  status: 'firing',
                  alerts: [{ ...firing.alerts[0], labels: { severity: 'warning' } }],
                },
                5,
              ),
            },
          },
        },
        bodyErrors(1024 * 1024),
        unauthorized('alertWebhook'),
        databaseUnavailable,
        internalError,
      ),
    },
    {
      method: 'get',
      path: '/api/alerts',
      operationId: 'listAlerts',
      tag: 'alerts',
      summary: 'Alert history',
      auth: 'admin',
      query: alertListQuery,
      queryExamples: {
        open: { summary: 'the open alerts', value: {} },
        all: { summary: 'the last 20 of every status', value: { status: 'all', limit: 20 } },
      },
      responses: {
        200: jsonResponse(
          'Newest first.',
          z.strictObject({ status: z.enum(['open', 'resolved', 'all']), alerts: z.array(alertRowSchema) }),
        ),
      },
      errors: errors(
        {
          400: {
            description: 'An unknown status or parameter, or a limit outside 1-1000.',
            examples: {
              invalid_request: invalidRequestExample('an unknown status', alertListQuery, { status: 'closed' }),
            },
          },
        },
        unauthorized('admin'),
        databaseUnavailable,
        internalError,
      ),
    },
    {
      method: 'post',
      path: '/api/alerts/:id/acknowledge',
      operationId: 'acknowledgeAlert',
      tag: 'alerts',
      summary: 'Acknowledge an alert',
      description: 'Records who acknowledged and when; the first acknowledgement is kept.',
      auth: 'admin',
      pathParams: { id: { description: 'The alert id (AlertRow.id).', example: ALERT_ID } },
      body: {
        schema: acknowledgeBody,
        required: true,
        examples: { by: { summary: 'who acknowledges', value: { by: 'ops@example.com' } } },
      },
      responses: { 200: jsonResponse('The alert, acknowledged.', alertRowSchema) },
      errors: errors(
        {
          400: {
            description: 'The id is not a UUID, or `by` is missing.',
            examples: {
              invalid_request: invalidRequestExample('no `by`', acknowledgeBody, {}),
              invalid_id: thrownExample('not a UUID', () => uuidParam('42', 'alert')),
            },
          },
        },
        bodyErrors(4 * 1024),
        notFound,
        unauthorized('admin'),
        databaseUnavailable,
        internalError,
      ),
    },
  ],
};
