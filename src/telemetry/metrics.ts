/**
 * Metrics: an OpenTelemetry SDK MeterProvider read by the Prometheus exporter, plus prom-client's Node.js
 * default metrics, served together on GET /metrics. Each service instance owns its provider (no globals),
 * so several instances can live in one process (tests) without sharing counters.
 *
 * This is an adapter: it implements the metrics ports the domains declare (ingest/ingest-metrics.ts,
 * aggregate/aggregator-metrics.ts, alerts/owner-notification-metrics.ts, http/http-metrics.ts) by their shape, and
 * imports no domain module.
 */
import type { Attributes, Counter, Gauge, Histogram, Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import { EVENT_CATALOGUE, EVENT_TYPES } from '../catalogue/event-catalogue.js';
import {
  AGGREGATOR_METRICS,
  ALERT_METRICS,
  INGEST_METRICS,
  KPI_GAUGES,
  OWNER_NOTIFICATION_OUTCOMES,
  OWNER_NOTIFICATION_RECIPIENTS,
  type MetricSpec,
  type OwnerNotificationOutcome,
  type OwnerNotificationRecipient,
} from '../catalogue/metric-catalogue.js';
import { EVENT_LOOP_LAG_METRICS, registerEventLoopLag } from './event-loop-lag.js';
import { reportHttpRoute } from './http-route.js';
import { CachingPrometheusSerializer, counterFamilyText } from './prometheus-serializer.js';

/** An event as counted when committed: its catalogue type and category, outcome and duration. */
interface StoredEvent {
  readonly type: string;
  readonly category: string;
  readonly success: boolean;
  readonly durationMs: number | null;
}

/** Implements ingest/ingest-metrics.ts's IngestMetrics. */
export interface IngestTelemetry {
  eventsStored(events: readonly StoredEvent[]): void;
  duplicates(count: number): void;
  batchSize(events: number): void;
  rejected(reason: string, events: number): void;
  writeError(kind: string): void;
  flush(events: number, seconds: number): void;
  pending(events: number): void;
}

/** Implements aggregate/aggregator-metrics.ts's AggregatorMetrics. */
export interface AggregatorTelemetry {
  kpiFailure(source: string): void;
  gaugeRefreshFailure(source: string): void;
  jobRun(job: string, outcome: string): void;
  partitionsDropped(count: number): void;
}

/** Implements alerts/owner-notification-metrics.ts's OwnerNotificationMetrics. */
export interface AlertsTelemetry {
  ownerNotification(outcome: OwnerNotificationOutcome, recipient: OwnerNotificationRecipient): void;
}

/** Implements http/http-metrics.ts's HttpMetrics. */
export interface HttpTelemetry {
  request(method: string, route: string, statusCode: number, seconds: number): void;
  nameRoute(route: string): void;
}

export interface Telemetry {
  readonly ingest: IngestTelemetry;
  readonly aggregator: AggregatorTelemetry;
  readonly alerts: AlertsTelemetry;
  readonly http: HttpTelemetry;
  /** prom-client registry served on the same endpoint (Node.js defaults). */
  readonly registry: Registry;
  /**
   * Adds text served after the registries on /metrics (the KPI gauges' text, rendered and UTF-8 encoded once per
   * snapshot).
   */
  addExposition(text: () => Promise<string | Buffer>): void;
  /** The Prometheus text exposition of every metric. */
  metricsText(): Promise<string>;
  /** The same exposition in parts, for /metrics to write as they are (no copy of the cached parts). */
  metricsChunks(): Promise<Array<string | Buffer>>;
  readonly contentType: string;
  shutdown(): Promise<void>;
}

function histogram(meter: Meter, spec: MetricSpec): Histogram {
  return meter.createHistogram(spec.name, {
    description: spec.help,
    ...(spec.unit ? { unit: spec.unit } : {}),
    advice: { explicitBucketBoundaries: [...(spec.buckets ?? [])] },
  });
}

const counter = (meter: Meter, spec: MetricSpec): Counter => meter.createCounter(spec.name, { description: spec.help });
const gauge = (meter: Meter, spec: MetricSpec): Gauge => meter.createGauge(spec.name, { description: spec.help });

export interface MetricDescription {
  name: string;
  type: string;
  help: string;
  labels: string[];
}

/** prom-client's Node.js default metrics as this service exports them (for docs/metrics.md). */
export function defaultMetricDescriptions(): MetricDescription[] {
  const registry = new Registry();
  registerNodeDefaults(registry)();
  const list = registry.getMetricsAsArray().map((m) => {
    const meta = m as unknown as { name: string; help: string; type: string; labelNames?: string[] };
    return {
      name: meta.name,
      type: String(meta.type),
      help: meta.help,
      labels: [...(meta.labelNames ?? [])].filter((l) => l !== 'le'),
    };
  });
  registry.clear();
  return list.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * prom-client's Node.js default metrics, as served. Its gauges named *_total break Prometheus naming rules
 * (promtool check metrics fails on them); the same values are exported per resource type as
 * nodejs_active_handles / _requests / _resources, so those three are left out. Its event-loop lag gauges are
 * replaced by the same gauges computed without walking an HdrHistogram at every scrape (event-loop-lag.ts).
 * Returns the function that stops the event-loop sampling.
 */
function registerNodeDefaults(registry: Registry): () => void {
  collectDefaultMetrics({ register: registry });
  const left = new Set([
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ]);
  const lag = new Set<string>(EVENT_LOOP_LAG_METRICS);
  // re-registered in prom-client's order, the lag gauges where prom-client had them: the exposition keeps its order,
  // and what they collect (a setImmediate) is pending when nodejs_active_resources is read, as before
  const metrics = registry.getMetricsAsArray();
  registry.clear();
  let stop = () => {};
  for (const metric of metrics) {
    const name = (metric as unknown as { name: string }).name;
    if (name === EVENT_LOOP_LAG_METRICS[0]) stop = registerEventLoopLag(registry);
    if (!left.has(name) && !lag.has(name)) registry.registerMetric(metric as unknown as Metric);
  }
  return stop;
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export interface TelemetryOptions {
  serviceName: string;
  /** Node.js default metrics (default true). */
  defaultMetrics?: boolean;
  /**
   * Whether this process runs the aggregator (default true). Its failure and run counters are exported at 0 from
   * start-up only then; an ingest replica (AGGREGATOR_MODE=off) has no such series.
   */
  aggregator?: boolean;
}

export function createTelemetry(opts: TelemetryOptions): Telemetry {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    readers: [exporter],
  });
  // PrometheusSerializer(no prefix, no timestamps, no resource constant labels, target_info, no scope labels)'s
  // text, with what cannot change between scrapes kept (prometheus-serializer.ts)
  const serializer = new CachingPrometheusSerializer();
  const meter = provider.getMeter('workshop-analytics');
  const registry = new Registry();
  const stopNodeDefaults = opts.defaultMetrics !== false ? registerNodeDefaults(registry) : () => {};

  const m = INGEST_METRICS;
  // workshop_events_total is counted in a plain map, with no attribute hashing per event on the ingest hot path, and
  // rendered at scrape time in the text the OpenTelemetry counter had (counterFamilyText), with no attribute hashing
  // per series either. Every catalogue type is present at 0 from start-up.
  const eventCounts = new Map<string, { attrs: Attributes; n: number }>();
  for (const type of EVENT_TYPES) {
    for (const outcome of ['success', 'failure'])
      eventCounts.set(`${type}|${outcome}`, {
        attrs: { type, category: EVENT_CATALOGUE[type].category, outcome },
        n: 0,
      });
  }
  const eventSeries = [...eventCounts.values()];
  const eventsFamily = counterFamilyText(
    m.events.name,
    m.events.help,
    eventSeries.map((c) => c.attrs),
  );
  const eventsText = () => eventsFamily(eventSeries.map((c) => c.n));
  const eventDuration = histogram(meter, m.eventDuration);
  const httpDuration = histogram(meter, m.httpDuration);
  const batchSize = histogram(meter, m.batchSize);
  const rejected = counter(meter, m.rejected);
  const duplicates = counter(meter, m.duplicates);
  const writeErrors = counter(meter, m.writeErrors);
  const flushSize = histogram(meter, m.flushSize);
  const flushDuration = histogram(meter, m.flushDuration);
  const pending = gauge(meter, m.pending);

  duplicates.add(0);
  pending.record(0);

  const ingest: IngestTelemetry = {
    eventsStored(list) {
      for (const e of list) {
        eventCounts.get(`${e.type}|${e.success ? 'success' : 'failure'}`)!.n++;
        if (e.durationMs !== null) eventDuration.record(e.durationMs / 1000, { type: e.type, category: e.category });
      }
    },
    duplicates: (n) => n > 0 && duplicates.add(n),
    batchSize: (n) => batchSize.record(n),
    rejected: (reason, n) => rejected.add(n, { reason }),
    writeError: (kind) => writeErrors.add(1, { kind }),
    flush(n, seconds) {
      flushSize.record(n);
      flushDuration.record(seconds);
    },
    pending: (n) => pending.record(n),
  };

  const kpiFailures = counter(meter, AGGREGATOR_METRICS.kpiFailures);
  const jobRuns = counter(meter, AGGREGATOR_METRICS.jobRuns);
  const partitionsDropped = counter(meter, AGGREGATOR_METRICS.partitionsDropped);
  const gaugeFailures = counter(meter, KPI_GAUGES.gaugeRefreshFailures);
  if (opts.aggregator !== false) {
    for (const source of ['counts', 'approvals', 'invite_times', 'states']) kpiFailures.add(0, { source });
    for (const source of ['workshops', 'rolling', 'jobs']) gaugeFailures.add(0, { source });
    partitionsDropped.add(0);
  }
  const aggregator: AggregatorTelemetry = {
    kpiFailure: (source) => kpiFailures.add(1, { source }),
    gaugeRefreshFailure: (source) => gaugeFailures.add(1, { source }),
    jobRun: (job, outcome) => jobRuns.add(1, { aggregator_job: job, outcome }),
    partitionsDropped: (n) => partitionsDropped.add(n),
  };

  const ownerNotifications = counter(meter, ALERT_METRICS.ownerNotifications);
  for (const outcome of OWNER_NOTIFICATION_OUTCOMES)
    for (const recipient of OWNER_NOTIFICATION_RECIPIENTS) ownerNotifications.add(0, { outcome, recipient });
  const alerts: AlertsTelemetry = {
    ownerNotification: (outcome, recipient) => ownerNotifications.add(1, { outcome, recipient }),
  };

  const http: HttpTelemetry = {
    nameRoute: reportHttpRoute,
    request(method, route, statusCode, seconds) {
      const attrs: Attributes = {
        method: HTTP_METHODS.has(method) ? method : 'other',
        route,
        status_code: String(statusCode),
      };
      httpDuration.record(seconds, attrs);
    },
  };

  const expositions: Array<() => Promise<string | Buffer>> = [];
  const metricsChunks = async (): Promise<Array<string | Buffer>> => {
    const { resourceMetrics, errors } = await exporter.collect();
    if (errors.length) throw new AggregateError(errors, 'metrics collection failed');
    const otel = `${serializer.serialize(resourceMetrics).trimEnd()}\n${eventsText()}`;
    const [node, ...more] = await Promise.all([registry.metrics(), ...expositions.map((t) => t())]);
    return [`${otel}${node}`, ...more];
  };
  return {
    ingest,
    aggregator,
    alerts,
    http,
    registry,
    addExposition: (text) => void expositions.push(text),
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    metricsChunks,
    async metricsText() {
      return (await metricsChunks()).map((c) => (typeof c === 'string' ? c : c.toString('utf8'))).join('');
    },
    async shutdown() {
      stopNodeDefaults();
      await provider.shutdown();
      registry.clear();
    },
  };
}
