/** `node --import ./dist/src/telemetry/preload.js`: starts tracing before the app's modules load. */
import { loadConfig } from '../config.js';
import { startTracing } from './tracing.js';

try {
  const config = loadConfig();
  await startTracing({ otlpEndpoint: config.otlpEndpoint, serviceName: config.serviceName });
} catch {
  // An invalid configuration is reported by main.ts, which lists every problem.
}
