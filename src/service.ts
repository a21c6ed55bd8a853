/**
 * The composition root: it only wires. Database and migrations, the event store and group-commit writer,
 * telemetry, the aggregator, the alert APIs, the period reports and the HTTP server; start and stop.
 * Stop order (SIGTERM): /readyz turns 503 (for `readinessDelayMs` requests are still served), stop accepting and
 * drain in-flight requests, let owner e-mails still being sent finish, stop the schedule, flush the writer, close
 * connections, stop telemetry, close the pool, stop an embedded PostgreSQL — all within STOP_LIMIT_MS, each step
 * bounded (http/shutdown.ts).
 */
import { createAggregatorModule, type AggregatorModule } from './aggregate/aggregator-module.js';
import { LIVE_KPI_GAUGES } from './aggregate/kpi-gauges.js';
import { KPI_GAUGES } from './catalogue/metric-catalogue.js';
import { KpiStore } from './aggregate/kpi-store.js';
import { createAlertsModule } from './alerts/alerts-module.js';
import type { OwnerMailTiming } from './alerts/owner-notification-module.js';
import type { OwnerNotifier } from './alerts/owner-notifier.js';
import { weeklyDigest } from './alerts/weekly-digest.js';
import type { Config } from './config.js';
import { openStorage, type Storage } from './db/database.js';
import { databaseErrorAnswer, type Pool } from './db/pool.js';
import { eventSearchRoutes } from './events/event-search-routes.js';
import { EventSearchStore } from './events/event-search-store.js';
import { healthRoutes, metricsRoutes } from './http/health-routes.js';
import { startListeners, type Listeners } from './http/listeners.js';
import { runShutdown, type ShutdownStep } from './http/shutdown.js';
import { openApiRoutes } from './http/openapi-routes.js';
import { routeTable, type ServedRoute } from './http/route-table.js';
import { EVENTS_PATH, eventsEndpoint } from './ingest/event-routes.js';
import { EventWriter, writerOptions } from './ingest/event-service.js';
import { EventStore } from './ingest/event-store.js';
import { internalIngest } from './ingest/internal-ingest.js';
import { createLogger, type Logger } from './logger.js';
import { openApiDocument } from './openapi.js';
import { reportRoutes } from './reports/report-routes.js';
import { snapshotGaugesText } from './telemetry/kpi-gauges.js';
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
  /** Owner e-mails for workshop_owner alerts; undefined when no SMTP server is configured. */
  readonly ownerNotifier: OwnerNotifier | undefined;
  /** Every route the service serves (POST /v1/events and the Express routes): the API docs must name each. */
  readonly routes: readonly ServedRoute[];
  /** Graceful stop within STOP_LIMIT_MS; safe to call more than once (later calls join the first). */
  stop(opts?: StopOptions): Promise<void>;
}

export interface StopOptions {
  /** How long /readyz answers 503 while requests are still served, before the drain (default 0). */
  readinessDelayMs?: number;
}

/** The whole stop, every step included, takes at most this long. */
export const STOP_LIMIT_MS = 25_000;

export interface StartOptions {
  log?: Logger;
  /** Drain deadline for in-flight requests on stop (ms). */
  drainTimeoutMs?: number;
  /**
   * Run the cron schedule (default true). Tests start services with it off, so no background job races the
   * test; they call the jobs or the refresher directly. Tests of the schedule itself turn it on.
   */
  schedule?: boolean;
  /** Owner e-mail timing: how long the alert webhook waits for its e-mails, SMTP timeouts (tests shorten them). */
  ownerMail?: OwnerMailTiming;
}

export async function startService(config: Config, opts: StartOptions = {}): Promise<Service> {
  const log = opts.log ?? createLogger(config.logLevel);
  const tokens = await resolveTokens(config);
  const storage = await openStorage(config, log);
  try {
    const { pool } = storage;
    const store = new EventStore(pool, config.ipMode, config.metricsTimeZone);
    await store.createPartitionsAhead(Date.now());
    const exportsKpis = config.aggregatorMode !== 'off';
    const telemetry = createTelemetry({ serviceName: config.serviceName, aggregator: exportsKpis });
    const onWriteError = (err: unknown) => log.error({ err }, 'event write failed');
    const writer = new EventWriter(store, writerOptions(config), telemetry.ingest, onWriteError);
    const agg = createAggregatorModule(pool, config, {
      metrics: telemetry.aggregator,
      log,
      ingest: internalIngest(writer, config.ipMode),
      adminTokens: tokens.admin,
      afterWeekly: weeklyDigest(config, log),
    });
    // An aggregator (inline, only) exports the live KPI gauges, rendered once per refresh; an ingest replica (off)
    // only workshop_database_up, so its series do not grow with the number of workshops (docs/metrics.md).
    const gauges = snapshotGaugesText(exportsKpis ? LIVE_KPI_GAUGES : [KPI_GAUGES.databaseUp], agg.gaugeSamples);
    telemetry.addExposition(gauges.renderBuffer);
    agg.afterRefresh(() => void gauges.renderBuffer().catch(() => {}));
    // the live gauges and the database probe are exported before the first request (and so before /readyz is 200)
    await Promise.all([exportsKpis ? agg.refresher.refresh() : undefined, agg.databaseProbe.probe()]);
    void gauges.renderBuffer().catch(() => {});
    const { metricsChunks, contentType: metricsContentType } = telemetry;
    let stopping: Promise<void> | undefined;
    const readiness = async () => (stopping ? ['shutting down'] : storage.readiness());
    const alerts = createAlertsModule(pool, config, {
      metrics: telemetry.alerts,
      log,
      adminTokens: tokens.admin,
      webhookTokens: tokens.alertWebhook,
      ...(opts.ownerMail ? { ownerMail: opts.ownerMail } : {}),
    });
    const { ownerNotifier } = alerts;
    const reports = reportRoutes({
      store: new KpiStore(pool),
      adminTokens: tokens.admin,
      timeZone: config.metricsTimeZone,
      beta: config.beta,
    });
    const search = eventSearchRoutes({ store: new EventSearchStore(pool), adminTokens: tokens.admin });
    const health = healthRoutes({ readiness, adminTokens: tokens.admin });
    const apiDoc = openApiRoutes(openApiDocument);
    const routes = [health, ...agg.routes, alerts.routes, reports, search, apiDoc];
    // POST /v1/events is served before Express (event-routes.ts); AGGREGATOR_MODE=only takes no events.
    const { ingest: metrics, http } = telemetry;
    const { ipMode, maxConcurrentBodies } = config;
    const ingestTokens = tokens.ingest;
    const events = eventsEndpoint({ writer, metrics, http, log, ingestTokens, ipMode, maxConcurrentBodies });
    const { host, port: mainPort, metricsPort } = config;
    const metricsRoute = metricsRoutes({ metricsChunks, metricsContentType, metricsTokens: tokens.metrics });
    const fast = config.aggregatorMode === 'only' ? [] : [events];
    const served = [
      ...(fast.length ? [{ method: 'post', path: EVENTS_PATH }] : []),
      ...routeTable([...routes, metricsRoute]),
    ];
    const server = await startListeners({
      host,
      port: mainPort,
      metricsPort,
      fast,
      routes,
      metricsRoute,
      log,
      http,
      classifyError: databaseErrorAnswer,
    });
    const schedule = opts.schedule === false ? { stop: async () => {} } : agg.start();

    const drainTimeoutMs = opts.drainTimeoutMs ?? 15_000;
    const parts = { server, schedule, writer, telemetry, storage, ownerNotifier, drainTimeoutMs };
    const stop = (o: StopOptions = {}) =>
      (stopping ??= runShutdown(stopSteps(parts, o), { totalMs: STOP_LIMIT_MS, log }).then((r) => {
        log.info({ cutShort: r.cut, failed: r.failed.map((f) => f.step) }, 'stopped');
        if (r.failed.length)
          throw new AggregateError(
            r.failed.map((f) => f.err),
            'some shutdown steps failed',
          );
      }));
    const { url, port, metricsUrl } = server;
    const databaseUrl = storage.url;
    const aggregator = agg;
    return {
      url,
      port,
      metricsUrl,
      tokens,
      databaseUrl,
      pool,
      store,
      aggregator,
      telemetry,
      log,
      ownerNotifier,
      routes: served,
      stop,
    };
  } catch (err) {
    await storage.close().catch(() => {});
    throw err;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The stop order, each step bounded (http/shutdown.ts): what runs first keeps time in reserve for what follows. */
function stopSteps(
  p: {
    server: Listeners;
    schedule: { stop(): Promise<void> };
    writer: EventWriter;
    telemetry: Telemetry;
    storage: Storage;
    ownerNotifier: OwnerNotifier | undefined;
    drainTimeoutMs: number;
  },
  o: StopOptions,
): ShutdownStep[] {
  return [
    { name: 'readiness delay', run: () => sleep(o.readinessDelayMs ?? 0), reserveMs: 10_000 },
    {
      name: 'http drain',
      run: async (ms) => ((await p.server.drain(ms)) ? undefined : 'cut'),
      maxMs: p.drainTimeoutMs,
      reserveMs: 8_000,
    },
    // owner e-mails still sending after the webhook answered: finished (claims recorded) or, when cut, their
    // claims are left unfinished and taken again after the lease
    { name: 'owner mail', run: (ms) => p.ownerNotifier?.drain(ms), maxMs: 5_000, reserveMs: 7_500 },
    { name: 'schedule stop', run: () => p.schedule.stop(), reserveMs: 7_000 },
    { name: 'writer close', run: () => p.writer.close(), reserveMs: 6_500 },
    { name: 'connections close', run: () => p.server.close() },
    { name: 'telemetry shutdown', run: () => p.telemetry.shutdown(), maxMs: 2_000, reserveMs: 6_000 },
    { name: 'pool end', run: () => p.storage.closePool(), maxMs: 3_000, reserveMs: 5_500 },
    { name: 'database stop', run: (ms) => p.storage.stopDatabase(Math.max(500, ms - 5_000)) },
  ];
}
