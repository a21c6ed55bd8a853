/** Assembles the Express app: request id and timing, the feature routers, JSON 404, the error handler. */
import express, { type Router } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorHandler, type ErrorClassifier } from './error-handler.js';
import type { HttpMetrics } from './http-metrics.js';
import { beginRequest } from './request-context.js';

export function createApp(
  routers: Router[],
  deps: { log: Logger; http: HttpMetrics; classifyError?: ErrorClassifier },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    res.locals.requestId = beginRequest(req, res, deps.http, () =>
      req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched',
    );
    next();
  });
  for (const r of routers) app.use(r);
  app.use((req, _res, next) => next(new AppError('not_found', 404, `no route for ${req.method} ${req.path}`)));
  app.use(errorHandler(deps.log, deps.classifyError));
  return app;
}
