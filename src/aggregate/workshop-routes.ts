/** GET|POST /api/cron/workshop-alerts (run the hourly checks now), GET /api/workshops/:id/health. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import { jsonBody } from '../http/json-body.js';
import { parseRequest, uuidParam } from '../http/request-validation.js';
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

export const checkParams = z.strictObject({
  checkType: z.enum(CHECK_TYPES, { message: `must be one of ${CHECK_TYPES.join(', ')}` }).optional(),
});

export function workshopRoutes(deps: WorkshopRoutesDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const auth = requireToken(deps.adminTokens, 'admin');

  const runChecks = async (input: unknown) => {
    const { checkType } = parseRequest(checkParams, input ?? {});
    const at = now();
    return {
      checked_at: new Date(at).toISOString(),
      checks: await deps.checks.run(at, checkType as CheckType | undefined),
    };
  };
  router.get('/api/cron/workshop-alerts', auth, async (req: Request, res) => {
    res.json(await runChecks(req.query));
  });
  router.post('/api/cron/workshop-alerts', auth, jsonBody(4 * 1024), async (req: Request, res) => {
    res.json(await runChecks(req.body));
  });

  router.get('/api/workshops/:id/health', auth, async (req: Request, res) => {
    const id = uuidParam(req.params.id, 'workshop');
    const at = now();
    const [w] = await deps.gauges.workshops(at, id.toLowerCase());
    if (!w) throw new AppError('not_found', 404, `no workshop ${id}`);
    const h = healthScore(inputsOf(w), at);
    res.json({
      workshop_id: w.workshopId,
      name: w.name,
      city: w.city,
      workshop_status: w.status,
      score: h.score,
      status: h.status,
      factors: h.factors,
    });
  });
  return router;
}
