/** Assembles the Express app: request id and timing, the feature routers, JSON 404, the error handler. */
import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HttpMetrics } from '../telemetry/metrics.js';
import { errorHandler } from './error-handler.js';

export function createApp(routers: Router[], deps: { log: Logger; http: HttpMetrics }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    res.locals.requestId = requestId;
    res.set('X-Request-Id', requestId);
    res.on('finish', () => {
      // Route templates only (a closed set); never the raw path.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      deps.http.request(req.method, route, res.statusCode, (performance.now() - started) / 1000);
    });
    next();
  });
  for (const r of routers) app.use(r);
  app.use((req, _res, next) => next(new AppError('not_found', 404, `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log));
  return app;
}
