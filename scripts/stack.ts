/**
 * `npm run stack`: the alerting stack on a developer's machine, without Docker. Starts, all on 127.0.0.1:
 *   - a mail catcher (STACK_SMTP_PORT, default 1025) and a Slack/heartbeat sink (STACK_SINK_PORT, default any);
 *   - the service in this process, as `npm start` runs it (schedule on; embedded PostgreSQL in DATA_DIR unless
 *     DATABASE_URL; tokens in DATA_DIR/tokens.json), on PORT (default 3000);
 *   - Alertmanager (ALERTMANAGER_PORT, default 9093) with the configuration the project's render step writes
 *     (scripts/alertmanager/, as `npm run render:alertmanager`) into DATA_DIR/stack/alertmanager/;
 *   - Prometheus (PROMETHEUS_PORT, default 9090) with prometheus/prometheus.yml rewritten for loopback and the
 *     repository's rules as they are;
 *   - when found on PATH (scripts/stack/optional-tools.ts): Grafana (GRAFANA_PORT, default 3001) with the generated
 *     dashboards and a Prometheus data source, and the OpenTelemetry Collector with collector/otel-collector.yaml on
 *     loopback; otherwise the summary says how to get them (`docker compose up -d grafana otel-collector`).
 * Prints where everything is; Ctrl-C or SIGTERM stops it all (exit 0). A child exiting on its own stops the rest
 * (exit 1); bad settings, a busy port or a missing binary stop it before anything starts (exit 2).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SettingsError } from './alertmanager/settings.js';
import { localAlertmanagerSettings, writeAlertmanagerConfig } from './stack/alertmanager-local.js';
import { findBinaries, MissingBinaryError } from './stack/binaries.js';
import { startChild, waitReady, type Child } from './stack/child-process.js';
import { startHttpSink } from './stack/http-sink.js';
import { startMailCatcher } from './stack/mail-catcher.js';
import {
  findOptionalTools,
  grafanaArgs,
  grafanaHome,
  missingToolLines,
  writeGrafanaProvisioning,
  writeLocalCollectorConfig,
} from './stack/optional-tools.js';
import { localPrometheusConfig } from './stack/prometheus-local.js';
import { assertPortFree, STACK_HOST, STACK_PORTS, stackPorts, StackSettingsError } from './stack/stack-settings.js';
import { summaryLines } from './stack/summary.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const STOP_LIMIT_MS = 45_000;
const print = (line: string) => console.log(line);

/** What was started, stopped in reverse order: Prometheus, Alertmanager, the service, the sink, the catcher. */
const started: Array<{ name: string; stop: () => Promise<unknown> }> = [];
const children: Child[] = [];
const abort = new AbortController();
let exitCode = 0;
let finishing: Promise<void> | undefined;

function checkNotStopped(): void {
  if (abort.signal.aborted) throw new Error('stopped during start-up');
}

/** A child exiting on its own stops the stack (exit 1). Ctrl-C signals the whole process group at once, so the
 *  child may exit just before our own handler runs: a short grace lets that signal count as the reason. */
function watch(child: Child): void {
  children.push(child);
  void child.exited.then((e) =>
    setTimeout(() => {
      if (finishing) return;
      print(`stack: ${child.name} exited on its own (${e.error?.message ?? e.code ?? e.signal}); stopping the rest`);
      print(child.tail().replace(/^/gm, `[${child.name}] `));
      void finish(1);
    }, 500),
  );
}

async function start(): Promise<void> {
  const env = process.env;
  const ports = await stackPorts(env);
  const smtpHostPort = `${STACK_HOST}:${ports.STACK_SMTP_PORT}`;
  const ownerMailToCatcher = !env.OWNER_EMAIL_SMTP_URL && !env.DIGEST_SMTP_URL;
  const config = loadConfig({
    ...env,
    HOST: STACK_HOST,
    PORT: env.PORT ?? '3000',
    ...(ownerMailToCatcher ? { OWNER_EMAIL_SMTP_URL: `smtp://${smtpHostPort}` } : {}),
  });
  const bin = findBinaries();
  if (config.port) await assertPortFree(config.port, 'PORT', 'the service');
  for (const [name, port] of Object.entries(ports) as [keyof typeof STACK_PORTS, number][]) {
    const spec: { default: number; what: string; debianService?: string } = STACK_PORTS[name];
    await assertPortFree(port, name, spec.what, port === spec.default ? spec.debianService : undefined);
  }
  const dir = path.join(config.dataDir, 'stack');
  const amDir = path.join(dir, 'alertmanager');
  mkdirSync(dir, { recursive: true });

  const catcher = await startMailCatcher({
    host: STACK_HOST,
    port: ports.STACK_SMTP_PORT,
    dir: path.join(dir, 'mail'),
    print,
  });
  started.push({ name: 'mail catcher', stop: () => catcher.stop() });
  const sink = await startHttpSink({ host: STACK_HOST, port: ports.STACK_SINK_PORT, print });
  started.push({
    name: 'sink',
    stop: async () => {
      const { slack, heartbeats } = sink.counts();
      print(`stack: ${catcher.count()} mails, ${slack} Slack messages, ${heartbeats} heartbeats this run`);
      await sink.stop();
    },
  });
  const amInput = { dir: amDir, smtpHostPort, sinkUrl: sink.url, env };
  // the settings once before the service starts (with its configured port), so a mistake in ALERT_* costs no wait
  localAlertmanagerSettings({ ...amInput, webhookUrl: `http://${STACK_HOST}:${config.port}/api/alerts/webhook` });
  checkNotStopped();

  const service = await startService(config, { log: createLogger(config.logLevel) });
  started.push({ name: 'service', stop: () => service.stop({ readinessDelayMs: 0 }) });
  checkNotStopped();

  const am = localAlertmanagerSettings({ ...amInput, webhookUrl: `${service.url}/api/alerts/webhook` });
  writeFileSync(am.webhookTokenFile, service.tokens.alertWebhook[0]! + '\n', { mode: 0o600 });
  const amConfig = writeAlertmanagerConfig(amDir, am.settings, path.join(ROOT, 'prometheus/alertmanager/templates'));
  const amUrl = `http://${STACK_HOST}:${ports.ALERTMANAGER_PORT}`;
  const amLog = path.join(dir, 'alertmanager.log');
  const alertmanager = startChild({
    name: 'alertmanager',
    command: bin.alertmanager,
    args: [
      `--config.file=${amConfig}`,
      `--storage.path=${path.join(dir, 'alertmanager-data')}`,
      `--web.listen-address=${STACK_HOST}:${ports.ALERTMANAGER_PORT}`,
      `--web.external-url=${amUrl}`,
      '--cluster.listen-address=',
    ],
    logFile: amLog,
    print,
  });
  started.push({ name: 'alertmanager', stop: () => alertmanager.stop() });
  watch(alertmanager);

  const promDir = path.join(dir, 'prometheus');
  const promConfig = path.join(dir, 'prometheus.yml');
  const promUrl = `http://${STACK_HOST}:${ports.PROMETHEUS_PORT}`;
  const promLog = path.join(dir, 'prometheus.log');
  const metricsToken = service.tokens.metrics[0];
  const metricsTokenFile = metricsToken ? path.join(dir, 'metrics-token') : undefined;
  if (metricsTokenFile) writeFileSync(metricsTokenFile, metricsToken + '\n', { mode: 0o600 });
  const shipped = path.join(ROOT, 'prometheus/prometheus.yml');
  const prometheusYml = localPrometheusConfig({
    text: readFileSync(shipped, 'utf8'),
    configDir: path.dirname(shipped),
    serviceTarget: new URL(service.metricsUrl ?? service.url).host,
    prometheusPort: ports.PROMETHEUS_PORT,
    alertmanagerPort: ports.ALERTMANAGER_PORT,
    ...(metricsTokenFile ? { metricsTokenFile } : {}),
  });
  writeFileSync(promConfig, prometheusYml);
  const prometheus = startChild({
    name: 'prometheus',
    command: bin.prometheus,
    args: [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${promDir}`,
      `--web.listen-address=${STACK_HOST}:${ports.PROMETHEUS_PORT}`,
      `--web.external-url=${promUrl}`,
    ],
    logFile: promLog,
    print,
  });
  started.push({ name: 'prometheus', stop: () => prometheus.stop() });
  watch(prometheus);
  await Promise.all([
    waitReady(alertmanager, `${amUrl}/-/ready`, abort.signal),
    waitReady(prometheus, `${promUrl}/-/ready`, abort.signal),
  ]);
  checkNotStopped();

  // optional: Grafana and the OpenTelemetry Collector, when on PATH
  const tools = findOptionalTools();
  const optionalLines = missingToolLines(tools);
  if (tools.grafana) {
    const home = grafanaHome(tools.grafana);
    const port = Number(env.GRAFANA_PORT ?? 3001);
    if (!home)
      optionalLines.push(`  Grafana:       ${tools.grafana} found but not its home (set GRAFANA_HOME); not started`);
    else {
      await assertPortFree(port, 'GRAFANA_PORT', 'Grafana');
      const gDir = path.join(dir, 'grafana');
      const provisioning = writeGrafanaProvisioning(gDir, promUrl, path.join(ROOT, 'grafana/dashboards'));
      const gLog = path.join(dir, 'grafana.log');
      const grafana = startChild({
        name: 'grafana',
        command: tools.grafana,
        args: grafanaArgs(tools.grafana, { home, dir: gDir, port, provisioning }),
        logFile: gLog,
        print,
      });
      started.push({ name: 'grafana', stop: () => grafana.stop() });
      watch(grafana);
      const gUrl = `http://${STACK_HOST}:${port}`;
      await waitReady(grafana, `${gUrl}/api/health`, abort.signal);
      optionalLines.push(
        `  Grafana:       ${gUrl}   (admin/admin at first login; dashboards from grafana/dashboards; log ${gLog})`,
      );
    }
  }
  if (tools.otelcol) {
    const cLog = path.join(dir, 'otelcol.log');
    const cfg = writeLocalCollectorConfig(
      path.join(ROOT, 'collector/otel-collector.yaml'),
      path.join(dir, 'otelcol.yaml'),
    );
    const otelcol = startChild({
      name: 'otelcol',
      command: tools.otelcol,
      args: [`--config=${cfg}`],
      logFile: cLog,
      print,
    });
    started.push({ name: 'otelcol', stop: () => otelcol.stop() });
    watch(otelcol);
    optionalLines.push(
      `  Collector:     OTLP http://${STACK_HOST}:4318 and ${STACK_HOST}:4317 (log ${cLog}); traces of \`npm start\` with ` +
        `OTEL_EXPORTER_OTLP_ENDPOINT=http://${STACK_HOST}:4318`,
    );
  }
  checkNotStopped();

  const fromEnv = (prefix: string) => am.overridden.some((k) => k.startsWith(prefix));
  for (const line of summaryLines({
    serviceUrl: service.url,
    tokensFile: service.tokens.file,
    database: config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${path.join(config.dataDir, 'postgres')}`,
    prometheusUrl: promUrl,
    prometheusLog: promLog,
    alertmanagerUrl: amUrl,
    alertmanagerConfig: amConfig,
    alertmanagerLog: amLog,
    smarthost: am.settings.smtp.smarthost,
    catcher: { hostPort: smtpHostPort, dir: catcher.dir },
    mailLocal: !fromEnv('ALERT_SMTP_SMARTHOST'),
    slackLocal: !fromEnv('ALERT_SLACK_'),
    sinkUrl: sink.url,
    heartbeatLocal: !fromEnv('ALERT_HEARTBEAT_'),
    ownerMailToCatcher,
    grafanaUrl: am.settings.grafanaUrl,
    overridden: am.overridden,
    dataDir: config.dataDir,
    optional: optionalLines,
  }))
    print(line);
}

/** Stops what was started, newest first (each step on its own: one failing does not keep the others running). */
async function stopAll(): Promise<void> {
  for (let s = started.pop(); s; s = started.pop()) {
    try {
      await s.stop();
    } catch (err) {
      print(`stack: stopping the ${s.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      exitCode = Math.max(exitCode, 1);
    }
  }
}

function finish(code: number): Promise<void> {
  exitCode = Math.max(exitCode, code);
  abort.abort();
  finishing ??= (async () => {
    setTimeout(() => {
      print(`stack: stopping took longer than ${STOP_LIMIT_MS / 1000} s; exiting`);
      process.exit(1);
    }, STOP_LIMIT_MS).unref();
    await startup.catch(() => {});
    const anything = started.length > 0;
    await stopAll();
    if (anything) print('stack: stopped');
    process.exit(exitCode);
  })();
  return finishing;
}

// whatever ends this process, Prometheus and Alertmanager do not outlive it
process.on('exit', () => {
  for (const c of children) {
    try {
      if (c.running() && c.pid) process.kill(c.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (finishing) return; // tsx relays the signal a terminal already sent to the whole group: one stop is enough
    print(`stack: ${signal}, stopping`);
    void finish(0);
  });
}

const startup = start();
startup.catch((err: unknown) => {
  if (abort.signal.aborted) return; // a signal during start-up: finish() is already stopping
  const settings = [ConfigError, SettingsError, StackSettingsError, MissingBinaryError].some((E) => err instanceof E);
  print(`stack: ${settings ? '' : 'failed to start: '}${err instanceof Error ? err.message : String(err)}`);
  void finish(settings ? 2 : 1);
});
