/**
 * Wiring: database, migrations, store, group-commit writer, telemetry and HTTP server; start and stop.
 * Stop order (SIGTERM): stop accepting, finish in-flight requests, flush the writer, stop telemetry, close
 * the pool, stop an embedded PostgreSQL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { migrate, pendingMigrations } from './db/migrate.js';
import { createPool, type Pool } from './db/pool.js';
import { createApp } from './http/app.js';
import { healthRoutes } from './http/health-routes.js';
import { createAggregatorModule, type AggregatorModule } from './aggregate/aggregator-module.js';
import { AppError } from './errors.js';
import { validateBody } from './ingest/event-schema.js';
import { registerKpiGauges } from './telemetry/kpi-gauges.js';
import { alertRoutes } from './alerts/alert-routes.js';
import { AlertStore } from './alerts/alert-store.js';
import { composeDigest } from './alerts/digest.js';
import { sendDigest } from './alerts/digest-sender.js';
import { addDays } from './aggregate/periods.js';
import { eventsEndpoint } from './ingest/event-routes.js';
import { EventWriter } from './ingest/event-service.js';
import { EventStore } from './ingest/event-store.js';
import { createLogger, type Logger } from './logger.js';
import { createTelemetry, type Telemetry } from './telemetry/metrics.js';
import { resolveTokens, type Tokens } from './tokens.js';

export interface Service {
  readonly url: string;
  readonly port: number;
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
  const db: Database = await openDatabase(config, (msg) => log.debug({ postgres: msg.trim() }, 'embedded postgres'));
  let pool: Pool | undefined;
  try {
    const ran = await migrate(db.url, (msg) => log.debug(msg));
    if (ran.length) log.info({ migrations: ran }, 'migrations applied');
    pool = createPool(db.url, config.databasePoolSize, (err) => log.warn({ err }, 'idle database client error'));
    const store = new EventStore(pool, config.ipMode);
    await store.createPartitionsAhead(Date.now());
    const telemetry = createTelemetry({ serviceName: config.serviceName });
    const writer = new EventWriter(
      store,
      {
        maxEventsPerFlush: config.flushMaxEvents,
        concurrency: config.flushConcurrency,
        maxPendingEvents: config.maxPendingEvents,
      },
      telemetry.ingest,
      (err) => log.error({ err }, 'event write failed'),
    );
    const p = pool;
    // Events the service emits itself (invitation expiry) take the same path as clients' events.
    const ingest = async (events: Array<Record<string, unknown>>) => {
      const r = validateBody({ events }, { ipMode: config.ipMode, nowMs: Date.now() });
      if ('problems' in r)
        throw new AppError('validation_failed', 400, `internal events invalid: ${JSON.stringify(r.problems)}`);
      return writer.submit(r.events);
    };
    const agg = createAggregatorModule(p, config, {
      metrics: telemetry.aggregator,
      log,
      ingest,
      adminTokens: tokens.admin,
      // Monday, after the weekly row: the digest of last week vs the week before
      afterWeekly: async (monday, kpis) => {
        const rows = await kpis.read('weekly', addDays(monday, -7), monday);
        const digest = composeDigest(
          monday,
          rows.find((r) => r.metric_date === monday),
          rows.find((r) => r.metric_date === addDays(monday, -7)),
          `${config.grafanaUrl}/d/workshop-overview`,
        );
        const outcome = await sendDigest(digest, config.digest, (channel, err) =>
          log.error({ err, channel }, 'weekly digest delivery failed'),
        );
        log.info({ week: monday, ...outcome }, 'weekly digest');
      },
    });
    registerKpiGauges(telemetry.registry, () => agg.refresher.snapshot, config.beta);
    await agg.refresher.refresh();
    const readiness = async () => {
      const pending = await pendingMigrations(p);
      return pending.length ? [`migrations not applied: ${pending.join(', ')}`] : [];
    };
    const app = createApp(
      [
        healthRoutes({
          readiness,
          metricsText: () => telemetry.metricsText(),
          metricsContentType: telemetry.contentType,
        }),
        ...agg.routes,
        alertRoutes({ store: new AlertStore(p), adminTokens: tokens.admin, webhookTokens: tokens.alertWebhook }),
      ],
      { log, http: telemetry.http },
    );
    // POST /v1/events is served before Express (event-routes.ts); AGGREGATOR_MODE=only takes no events.
    const events =
      config.aggregatorMode === 'only'
        ? undefined
        : eventsEndpoint({
            writer,
            metrics: telemetry.ingest,
            http: telemetry.http,
            log,
            ingestTokens: tokens.ingest,
            ipMode: config.ipMode,
          });
    const server = http.createServer((req, res) => {
      if (!events?.(req, res)) void app(req, res);
    });
    server.keepAliveTimeout = 65_000;
    let inFlight = 0;
    let draining = false;
    const idle: Array<() => void> = [];
    server.on('request', (req, res) => {
      inFlight++;
      if (draining) res.setHeader('Connection', 'close');
      res.on('close', () => {
        if (--inFlight === 0) idle.splice(0).forEach((f) => f());
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const schedule = opts.schedule === false ? { stop: async () => {} } : agg.start();
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        draining = true;
        server.close();
        server.closeIdleConnections();
        if (inFlight > 0) {
          await Promise.race([
            new Promise<void>((r) => idle.push(r)),
            new Promise<void>((r) => setTimeout(r, opts.drainTimeoutMs ?? 15_000).unref()),
          ]);
        }
        await schedule.stop();
        await writer.close();
        server.closeAllConnections();
        await telemetry.shutdown();
        await p.end();
        await db.stop();
        log.info('stopped');
      })());

    return {
      url: `http://${host}:${port}`,
      port,
      tokens,
      databaseUrl: db.url,
      pool: p,
      store,
      aggregator: agg,
      telemetry,
      log,
      stop,
    };
  } catch (err) {
    await pool?.end().catch(() => {});
    await db.stop().catch(() => {});
    throw err;
  }
}
