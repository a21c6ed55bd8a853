/**
 * Traces: OpenTelemetry auto-instrumentation of http, express and pg, exported over OTLP/HTTP when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (standard OTEL_* variables apply), off otherwise. Started from
 * preload.ts (`node --import`) so the ESM hook is in place before express and pg load.
 */
import { register } from 'node:module';

let sdk: { shutdown(): Promise<void> } | undefined;

export async function startTracing(opts: { otlpEndpoint: string | undefined; serviceName: string }): Promise<boolean> {
  if (!opts.otlpEndpoint || sdk) return Boolean(sdk);
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [
    { NodeSDK },
    { OTLPTraceExporter },
    { HttpInstrumentation },
    { ExpressInstrumentation },
    { PgInstrumentation },
    { resourceFromAttributes },
    { ATTR_SERVICE_NAME },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-express'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const quiet = new Set(['/metrics', '/healthz', '/readyz']);
  const node = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    traceExporter: new OTLPTraceExporter(),
    // Metrics go through the service's own provider (metrics.ts); instrumentations' own metrics (some carry
    // client-supplied values such as the Host header) are sent to a provider with no reader.
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => quiet.has((req.url ?? '').split('?')[0] ?? '') }),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
    ],
  });
  node.start();
  sdk = node;
  return true;
}

/** Flushes and stops tracing (no-op when it is off). */
export async function stopTracing(): Promise<void> {
  const s = sdk;
  sdk = undefined;
  await s?.shutdown();
}
