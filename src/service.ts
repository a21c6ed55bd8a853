/**
 * The composition root: it only wires. Database and migrations, the event store and group-commit writer,
 * telemetry, the aggregator, the alert APIs and the HTTP server; start and stop.
 * Stop order (SIGTERM): stop accepting and drain in-flight requests, stop the schedule, flush the writer,
 * close connections, stop telemetry, close the pool, stop an embedded PostgreSQL.
 */
import { createAggregatorModule, type AggregatorModule } from './aggregate/aggregator-module.js';
import { LIVE_KPI_GAUGES } from './aggregate/kpi-gauges.js';
import { alertRoutes } from './alerts/alert-routes.js';
import { AlertStore } from './alerts/alert-store.js';
import { weeklyDigest } from './alerts/weekly-digest.js';
import type { Config } from './config.js';
import { openStorage } from './db/database.js';
import type { Pool } from './db/pool.js';
import { createApp } from './http/app.js';
import { healthRoutes, metricsRoutes } from './http/health-routes.js';
import { startHttpServer } from './http/server.js';
import { eventsEndpoint } from './ingest/event-routes.js';
import { EventWriter, writerOptions } from './ingest/event-service.js';
import { EventStore } from './ingest/event-store.js';
import { internalIngest } from './ingest/internal-ingest.js';
import { createLogger, type Logger } from './logger.js';
import { registerSnapshotGauges } from './telemetry/kpi-gauges.js';
import { createTelemetry, type Telemetry } from './telemetry/metrics.js';
import { resolveTokens, type Tokens } from './tokens.js';

export interface Service {
  readonly url: string;
  readonly port: number;
  /** The METRICS_PORT listener's base URL; undefined: /metrics is on `url`. */
  readonly metricsUrl: string | undefined;
  readonly tokens: Tokens;
  readonly databaseUrl: string;
  readonly pool: Pool;
  readonly store: EventStore;
  readonly aggregator: AggregatorModule;
  readonly telemetry: Telemetry;
  readonly log: Logger;
  /** Graceful stop; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Drain deadline for in-flight requests on stop (ms). */
  drainTimeoutMs?: number;
  /**
   * Run the cron schedule (default true). Tests start services with it off, so no background job races the
   * test; they call the jobs or the refresher directly. Tests of the schedule itself turn it on.
   */
  schedule?: boolean;
}

export async function startService(config: Config, opts: StartOptions = {}): Promise<Service> {
  const log = opts.log ?? createLogger(config.logLevel);
  const tokens = await resolveTokens(config);
  const storage = await openStorage(config, log);
  try {
    const { pool } = storage;
    const store = new EventStore(pool, config.ipMode);
    await store.createPartitionsAhead(Date.now());
    const telemetry = createTelemetry({ serviceName: config.serviceName });
    const onWriteError = (err: unknown) => log.error({ err }, 'event write failed');
    const writer = new EventWriter(store, writerOptions(config), telemetry.ingest, onWriteError);
    const agg = createAggregatorModule(pool, config, {
      metrics: telemetry.aggregator,
      log,
      ingest: internalIngest(writer, config.ipMode),
      adminTokens: tokens.admin,
      afterWeekly: weeklyDigest(config, log),
    });
    registerSnapshotGauges(telemetry.registry, LIVE_KPI_GAUGES, agg.gaugeSamples);
    await agg.refresher.refresh();
    const { metricsText, contentType: metricsContentType } = telemetry;
    const metricsRoute = metricsRoutes({ metricsText, metricsContentType, metricsTokens: tokens.metrics });
    const ownMetricsPort = config.metricsPort !== undefined; // METRICS_PORT: /metrics only on its own listener
    const routes = [
      healthRoutes({ readiness: storage.readiness, adminTokens: tokens.admin }),
      ...(ownMetricsPort ? [] : [metricsRoute]),
      ...agg.routes,
      alertRoutes({ store: new AlertStore(pool), adminTokens: tokens.admin, webhookTokens: tokens.alertWebhook }),
    ];
    const app = createApp(routes, { log, http: telemetry.http });
    // POST /v1/events is served before Express (event-routes.ts); AGGREGATOR_MODE=only takes no events.
    const { ingest: metrics, http } = telemetry;
    const events = eventsEndpoint({ writer, metrics, http, log, ingestTokens: tokens.ingest, ipMode: config.ipMode });
    const fast = config.aggregatorMode === 'only' ? [] : [events];
    const metricsServer = ownMetricsPort
      ? await startHttpServer({
          host: config.host,
          port: config.metricsPort!,
          fast: [],
          app: createApp([metricsRoute], { log, http }),
        })
      : undefined;
    const server = await startHttpServer({ host: config.host, port: config.port, fast, app }).catch(async (err) => {
      await metricsServer?.drain(0); // stops listening
      throw err;
    });
    const schedule = opts.schedule === false ? { stop: async () => {} } : agg.start();

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        await Promise.all([server, metricsServer].map((s) => s?.drain(opts.drainTimeoutMs ?? 15_000)));
        await schedule.stop();
        await writer.close();
        server.close();
        metricsServer?.close();
        await telemetry.shutdown();
        await storage.close();
        log.info('stopped');
      })());
    const { url, port } = server;
    return {
      url,
      port,
      metricsUrl: metricsServer?.url,
      tokens,
      databaseUrl: storage.url,
      pool,
      store,
      aggregator: agg,
      telemetry,
      log,
      stop,
    };
  } catch (err) {
    await storage.close().catch(() => {});
    throw err;
  }
}
