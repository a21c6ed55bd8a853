/** GET /healthz (process alive), GET /readyz (database reachable, migrations applied), GET /metrics. */
import { Router } from 'express';

export interface HealthDeps {
  /** Resolves to a list of problems; empty means ready. */
  readiness(): Promise<string[]>;
  metricsText(): Promise<string>;
  metricsContentType: string;
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const problems = await deps.readiness().catch((err: Error) => [`readiness check failed: ${err.message}`]);
    res
      .status(problems.length ? 503 : 200)
      .json(problems.length ? { status: 'not_ready', problems } : { status: 'ready' });
  });
  router.get('/metrics', async (_req, res) => {
    const text = await deps.metricsText();
    res.type(deps.metricsContentType).send(text);
  });
  return router;
}
