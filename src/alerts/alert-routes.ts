/**
 * POST /api/alerts/webhook — Alertmanager's webhook (alert-webhook token): keeps alert history in workshop_alerts,
 * then e-mails workshop owners for their firing alerts (owner-notifier.ts; bounded wait, never a 5xx for a mail).
 * GET /api/alerts?status=open|resolved|all — history; POST /api/alerts/:id/acknowledge — who and when (admin token).
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import { jsonBody } from '../http/json-body.js';
import { parseRequest, uuidParam, UUID_PATTERN } from '../http/request-validation.js';
import type { AlertInstance, AlertStore } from './alert-store.js';

export interface AlertRoutesDeps {
  store: AlertStore;
  adminTokens: readonly string[];
  webhookTokens: readonly string[];
  /** Owner e-mails for firing workshop_owner alerts (undefined: owner e-mail off). Never throws; bounded wait. */
  ownerNotifier?: { notify(instances: readonly AlertInstance[]): Promise<void> };
}

const SEVERITIES = new Set(['critical', 'warning', 'info']);
const text = z.string().max(10_000);

export const webhookBody = z.object({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: z
          .record(z.string().max(200), text)
          .refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, {
            message: 'labels.alertname is required',
          }),
        annotations: z.record(z.string().max(200), text).default({}),
        startsAt: z.iso.datetime({ offset: true }),
        endsAt: z.string().max(64).optional(),
        generatorURL: z.string().max(4000).optional(),
        fingerprint: z.string().min(1).max(128),
      }),
    )
    .min(1)
    .max(1000),
  externalURL: z.string().max(4000).optional(),
  receiver: z.string().max(200).optional(),
});

export const alertListQuery = z.strictObject({
  status: z.enum(['open', 'resolved', 'all'], { message: 'must be open, resolved or all' }).default('open'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const acknowledgeBody = z.strictObject({
  by: z.string().trim().min(1, { message: 'who acknowledges (e.g. an email address)' }).max(200),
});

/** Alertmanager's endsAt is 0001-01-01 while an alert fires. */
const realTime = (s: string | undefined) =>
  s && /^\d{4}-/.test(s) && !s.startsWith('0001-') && !Number.isNaN(Date.parse(s)) ? s : null;

export function toInstances(body: z.infer<typeof webhookBody>): AlertInstance[] {
  const byKey = new Map<string, AlertInstance>();
  for (const a of body.alerts) {
    const severity = SEVERITIES.has(a.labels.severity ?? '')
      ? (a.labels.severity as AlertInstance['severity'])
      : 'warning';
    const alertname = a.labels.alertname!;
    byKey.set(`${a.fingerprint}|${a.startsAt}`, {
      fingerprint: a.fingerprint,
      status: a.status,
      alertname,
      severity,
      title: a.annotations.summary ?? alertname,
      message: a.annotations.description ?? a.annotations.summary ?? alertname,
      workshopId:
        a.labels.workshop_id && UUID_PATTERN.test(a.labels.workshop_id) ? a.labels.workshop_id.toLowerCase() : null,
      startsAt: a.startsAt,
      endsAt: realTime(a.endsAt),
      labels: a.labels,
      annotations: a.annotations,
      metadata: {
        generator_url: a.generatorURL ?? null,
        external_url: body.externalURL ?? null,
        receiver: body.receiver ?? null,
        ...(severity !== a.labels.severity ? { original_severity: a.labels.severity ?? null } : {}),
      },
    });
  }
  return [...byKey.values()];
}

export function alertRoutes(deps: AlertRoutesDeps): Router {
  const router = Router();
  const admin = requireToken(deps.adminTokens, 'admin');
  router.post(
    '/api/alerts/webhook',
    requireToken(deps.webhookTokens, 'alert webhook'),
    jsonBody(1024 * 1024),
    async (req: Request, res) => {
      const instances = toInstances(parseRequest(webhookBody, req.body, 5));
      await deps.store.record(instances);
      await deps.ownerNotifier?.notify(instances);
      res.json({ recorded: instances.length });
    },
  );
  router.get('/api/alerts', admin, async (req: Request, res) => {
    const q = parseRequest(alertListQuery, req.query);
    res.json({ status: q.status, alerts: await deps.store.list(q.status, q.limit) });
  });
  router.post('/api/alerts/:id/acknowledge', admin, jsonBody(4 * 1024), async (req: Request, res) => {
    const id = uuidParam(req.params.id, 'alert');
    const body = parseRequest(acknowledgeBody, req.body ?? {});
    const row = await deps.store.acknowledge(id, body.by);
    if (!row) throw new AppError('not_found', 404, `no alert ${id}`);
    res.json(row);
  });
  return router;
}
