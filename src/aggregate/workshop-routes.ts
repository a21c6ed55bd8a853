/** GET|POST /api/cron/workshop-alerts (run the hourly checks now), GET /api/workshops/:id/health. */
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import { CHECK_TYPES, type AlertChecks, type CheckType } from './alert-checks.js';
import type { GaugeStore } from './gauge-store.js';
import { inputsOf } from './gauge-refresher.js';
import { healthScore } from './health-score.js';

export interface WorkshopRoutesDeps {
  checks: AlertChecks;
  gauges: Pick<GaugeStore, 'workshops'>;
  adminTokens: readonly string[];
  now?: () => number;
}

const checkParams = z.strictObject({ checkType: z.enum(CHECK_TYPES, { message: `must be one of ${CHECK_TYPES.join(', ')}` }).optional() });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function workshopRoutes(deps: WorkshopRoutesDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const auth = requireToken(deps.adminTokens, 'admin');

  const runChecks = async (input: unknown) => {
    const p = checkParams.safeParse(input ?? {});
    if (!p.success) {
      const details = p.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new AppError('invalid_request', 400, details.map((d) => `${d.path || 'body'}: ${d.message}`).join('; '), details);
    }
    const at = now();
    return { checked_at: new Date(at).toISOString(), checks: await deps.checks.run(at, p.data.checkType as CheckType | undefined) };
  };
  router.get('/api/cron/workshop-alerts', auth, async (req: Request, res) => {
    res.json(await runChecks(req.query));
  });
  router.post('/api/cron/workshop-alerts', auth, express.json({ limit: '4kb' }), async (req: Request, res) => {
    res.json(await runChecks(req.body));
  });

  router.get('/api/workshops/:id/health', auth, async (req: Request, res) => {
    const id = String(req.params.id);
    if (!UUID.test(id)) throw new AppError('invalid_request', 400, 'id: must be a workshop UUID', [{ path: 'id', message: 'must be a UUID' }]);
    const at = now();
    const [w] = await deps.gauges.workshops(at, id.toLowerCase());
    if (!w) throw new AppError('not_found', 404, `no workshop ${id}`);
    const h = healthScore(inputsOf(w), at);
    res.json({ workshop_id: w.workshopId, name: w.name, city: w.city, workshop_status: w.status, score: h.score, status: h.status, factors: h.factors });
  });
  return router;
}
