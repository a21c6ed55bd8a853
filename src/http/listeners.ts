/**
 * The service's HTTP listeners: the main one (handlers served before Express, then the Express app of `routes`)
 * and, with METRICS_PORT, a second one on the same host serving only /metrics (which then leaves the main port).
 */
import type { Router } from 'express';
import type { Logger } from '../logger.js';
import { createApp } from './app.js';
import type { ErrorClassifier } from './error-handler.js';
import type { HttpMetrics } from './http-metrics.js';
import { startHttpServer, type FastHandler } from './server.js';

export interface ListenerOptions {
  host: string;
  port: number;
  /** METRICS_PORT; undefined: /metrics is served on `port` with the other routes. */
  metricsPort: number | undefined;
  fast: readonly FastHandler[];
  routes: readonly Router[];
  metricsRoute: Router;
  log: Logger;
  http: HttpMetrics;
  /** Errors of the routes the HTTP layer cannot know (the database's), mapped to their answers. */
  classifyError?: ErrorClassifier;
}

export interface Listeners {
  readonly url: string;
  readonly port: number;
  /** The metrics listener's URL, with METRICS_PORT. */
  readonly metricsUrl: string | undefined;
  /** Drains both (see HttpServer.drain); false when requests were still in flight at the deadline. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Closes every remaining connection of both. */
  close(): void;
}

export async function startListeners(o: ListenerOptions): Promise<Listeners> {
  const ownPort = o.metricsPort !== undefined;
  const deps = { log: o.log, http: o.http, ...(o.classifyError ? { classifyError: o.classifyError } : {}) };
  // /metrics first: a scrape (every 15 s from each Prometheus) need not be matched against every other route first;
  // it only answers GET /metrics, so the other routes see no difference
  const app = createApp([...(ownPort ? [] : [o.metricsRoute]), ...o.routes], deps);
  const metrics = ownPort
    ? await startHttpServer({
        host: o.host,
        port: o.metricsPort!,
        fast: [],
        app: createApp([o.metricsRoute], { log: o.log, http: o.http }),
      })
    : undefined;
  const main = await startHttpServer({ host: o.host, port: o.port, fast: o.fast, app }).catch(async (err) => {
    await metrics?.drain(0); // stops listening
    throw err;
  });
  return {
    url: main.url,
    port: main.port,
    metricsUrl: metrics?.url,
    async drain(timeoutMs) {
      const drained = await Promise.all([main, metrics].map((s) => s?.drain(timeoutMs) ?? true));
      return drained.every(Boolean);
    },
    close() {
      main.close();
      metrics?.close();
    },
  };
}
