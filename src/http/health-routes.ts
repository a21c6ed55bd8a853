/**
 * GET /healthz (process alive), GET /readyz (database reachable, migrations applied), GET /metrics.
 * /readyz tells anyone whether the service is ready, but only an admin token gets the problems (they may name
 * hosts, roles or migrations). /metrics wants a metrics token when METRICS_TOKENS is set; with METRICS_PORT it is
 * served by its own listener (metricsRoutes) and not by these routes.
 */
import { Router } from 'express';
import { requireToken, tokenCheck } from './auth.js';

export interface HealthDeps {
  /** Resolves to a list of problems; empty means ready. */
  readiness(): Promise<string[]>;
  /** Tokens that may see the readiness problems. */
  adminTokens: readonly string[];
}

export interface MetricsDeps {
  /** The exposition in parts (telemetry's metricsChunks): written as they are, without an ETag over 3 MB. */
  metricsChunks(): Promise<ReadonlyArray<string | Uint8Array>>;
  metricsContentType: string;
  /** Bearer tokens /metrics wants; empty: none. */
  metricsTokens: readonly string[];
}

export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  const isAdmin = tokenCheck(deps.adminTokens, 'admin');
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const problems = await deps.readiness().catch((err: Error) => [`readiness check failed: ${err.message}`]);
    if (!problems.length) {
      res.json({ status: 'ready' });
      return;
    }
    const admin = req.get('authorization') !== undefined && isAdmin(req.get('authorization')) === undefined;
    res.status(503).json(admin ? { status: 'not_ready', problems } : { status: 'not_ready' });
  });
  return router;
}

export function metricsRoutes(deps: MetricsDeps): Router {
  const router = Router();
  const auth = deps.metricsTokens.length
    ? [requireToken(deps.metricsTokens, 'metrics')]
    : ([] as Array<ReturnType<typeof requireToken>>);
  router.get('/metrics', ...auth, async (_req, res) => {
    const chunks = await deps.metricsChunks();
    const bytes = chunks.reduce((n, c) => n + (typeof c === 'string' ? Buffer.byteLength(c) : c.byteLength), 0);
    res.status(200).type(deps.metricsContentType).setHeader('content-length', bytes);
    for (const c of chunks) res.write(c);
    res.end();
  });
  return router;
}
