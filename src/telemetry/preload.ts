/**
 * `node --import ./dist/src/telemetry/preload.js`: starts tracing before the app's modules load.
 * An invalid configuration is left to main.ts, which lists every problem; any other failure to start tracing
 * (OTEL_EXPORTER_OTLP_ENDPOINT is set, so tracing was asked for) stops the process with the reason.
 */
import { ConfigError, loadConfig } from '../config.js';
import { startTracing } from './tracing.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
}
if (config) {
  try {
    await startTracing({ otlpEndpoint: config.otlpEndpoint, serviceName: config.serviceName });
  } catch (err) {
    throw new Error(`tracing could not start (OTEL_EXPORTER_OTLP_ENDPOINT=${config.otlpEndpoint})`, { cause: err });
  }
}
