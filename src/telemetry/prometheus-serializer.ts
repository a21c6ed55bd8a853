/**
 * The OpenTelemetry metrics of a scrape as Prometheus text: byte for byte what @opentelemetry/exporter-prometheus's
 * PrometheusSerializer writes with the options metrics.ts uses (no prefix, no timestamps, no resource constant labels,
 * `target_info`, no scope labels), with less work per scrape.
 *
 * PrometheusSerializer rebuilds every line from scratch: per metric a name sanitised by two regular expressions and
 * its HELP/TYPE text; per data point `Object.entries` of its attributes, each key sanitised and each value escaped by
 * three more; per histogram bucket the same again plus an object for its `le`. That was ~0.3 ms of an ingest replica's
 * ~1 ms of CPU per /metrics (BENCHMARKS.md, issue 14). Here what cannot change between two scrapes is kept:
 * - the `target_info` text, per Resource object (its attributes are fixed when it is created);
 * - each metric's name and HELP/(UNIT)/TYPE header, per descriptor object, checked against the descriptor's name,
 *   description, unit and the data's type on every use (a descriptor that changed is rendered anew);
 * - each data point's label text, per attributes object. The SDK keeps the first attributes object it saw for a
 *   series as that series' key for every later collection (AttributeHashMap; cumulative temporality), and attributes
 *   are never changed once recorded (the API's contract; this service records fresh or frozen objects), so one
 *   object always stands for the same labels. A new object is a cache miss, never a wrong text;
 * - each histogram boundary list's `le="…"` texts, per boundaries array.
 * Values are never cached: every number is read from this collection's data points.
 * test/unit/telemetry/prometheus-serializer.test.ts checks the output equals PrometheusSerializer's, collection
 * after collection, for generated instruments, names, attribute values and records.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricDescriptor,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

const escapeString = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
/** A label value as PrometheusSerializer writes it: non-strings JSON-encoded, undefined empty. */
const escapeLabelValue = (v: AttributeValue | undefined = '') =>
  escapeString(typeof v === 'string' ? v : JSON.stringify(v)).replace(/"/g, '\\"');
const sanitizeName = (name: string) => name.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');
const valueText = (v: number) => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`);

/** `k="v",…` of a data point's attributes (without braces), in their insertion order. */
function labelText(attributes: Attributes): string {
  let text = '';
  for (const [key, value] of Object.entries(attributes))
    text += `${text.length > 0 ? ',' : ''}${sanitizeName(key)}="${escapeLabelValue(value)}"`;
  return text;
}

function prometheusType(data: MetricData): string {
  switch (data.dataPointType) {
    case DataPointType.SUM:
      return data.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return 'untyped';
  }
}

interface Header {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly type: string;
  /** The exposed name (sanitised, `_total` added to a monotonic sum); '' when the metric is not exposed. */
  readonly exposed: string;
  /** `# HELP …\n[# UNIT …\n]# TYPE …\n`. */
  readonly text: string;
}

function header(descriptor: MetricDescriptor, data: MetricData): Header {
  const { name: raw, description, unit } = descriptor;
  const type = prometheusType(data);
  let name = sanitizeName(escapeString(raw));
  // PrometheusSerializer leaves out (and logs) a metric whose name sanitises to nothing
  if (name === '' || name === '_') return { name: raw, description, unit, type, exposed: '', text: '' };
  if (name[0]! >= '0' && name[0]! <= '9') name = `_${name}`;
  if (!name.endsWith('_total') && data.dataPointType === DataPointType.SUM && data.isMonotonic) name += '_total';
  const text =
    `# HELP ${name} ${escapeString(description || 'description missing')}\n` +
    (unit ? `# UNIT ${name} ${escapeString(unit)}\n` : '') +
    `# TYPE ${name} ${type}\n`;
  return { name: raw, description, unit, type, exposed: name, text };
}

export class CachingPrometheusSerializer {
  private readonly targetInfo = new WeakMap<Resource, string>();
  private readonly headers = new WeakMap<MetricDescriptor, Header>();
  private readonly labels = new WeakMap<Attributes, string>();
  private readonly les = new WeakMap<readonly number[], { counts: number; texts: string[] }>();

  serialize(resourceMetrics: ResourceMetrics): string {
    let text = '';
    for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) text += this.metric(metric);
    return this.resource(resourceMetrics.resource) + (text === '' ? '# no registered metrics' : text);
  }

  private resource(resource: Resource): string {
    let text = this.targetInfo.get(resource);
    if (text === undefined) {
      const labels = labelText(resource.attributes);
      const line = `target_info${labels ? `{${labels}}` : ''} 1\n`;
      text = `# HELP target_info Target metadata\n# TYPE target_info gauge\n${line}`;
      // a resource whose asynchronous attributes are still pending may gain attributes: not kept
      if (!resource.asyncAttributesPending) this.targetInfo.set(resource, text);
    }
    return text;
  }

  private header(data: MetricData): Header {
    const d = data.descriptor;
    const cached = this.headers.get(d);
    if (
      cached &&
      cached.name === d.name &&
      cached.description === d.description &&
      cached.unit === d.unit &&
      cached.type === prometheusType(data)
    )
      return cached;
    const h = header(d, data);
    this.headers.set(d, h);
    return h;
  }

  /** `k="v",…` (no braces) or '' for a data point's attributes. */
  private labelsOf(attributes: Attributes): string {
    let text = this.labels.get(attributes);
    if (text === undefined) {
      text = labelText(attributes);
      this.labels.set(attributes, text);
    }
    return text;
  }

  private metric(data: MetricData): string {
    const h = this.header(data);
    if (h.exposed === '') return '';
    const name = h.exposed;
    let text = h.text;
    if (data.dataPointType === DataPointType.SUM || data.dataPointType === DataPointType.GAUGE) {
      for (const p of data.dataPoints as Array<DataPoint<number>>) {
        const labels = this.labelsOf(p.attributes);
        text += `${name}${labels ? `{${labels}}` : ''} ${valueText(p.value)}\n`;
      }
    } else if (data.dataPointType === DataPointType.HISTOGRAM) {
      for (const p of data.dataPoints) text += this.histogram(name, p);
    }
    return text;
  }

  private histogram(name: string, p: DataPoint<Histogram>): string {
    const labels = this.labelsOf(p.attributes);
    const h = p.value;
    const braced = labels ? `{${labels}}` : '';
    let text = '';
    if (h.count != null) text += `${name}_count${braced} ${valueText(h.count)}\n`;
    if (h.sum != null) text += `${name}_sum${braced} ${valueText(h.sum)}\n`;
    const { boundaries, counts } = h.buckets;
    const les = this.leTexts(boundaries, counts.length);
    const prefix = `${name}_bucket{${labels ? `${labels},` : ''}`;
    let cumulative = 0;
    for (let i = 0; i < les.length; i++) {
      cumulative += counts[i]!;
      text += `${prefix}${les[i]}} ${valueText(cumulative)}\n`;
    }
    return text;
  }

  /**
   * The `le="…"` texts of the buckets PrometheusSerializer writes for `boundaries` and `n` counts: one per count, the
   * one after the last boundary `+Inf`, and none after an explicit Infinity boundary.
   */
  private leTexts(boundaries: readonly number[], n: number): string[] {
    const cached = this.les.get(boundaries);
    if (cached?.counts === n) return cached.texts;
    const texts: string[] = [];
    let infinite = false;
    for (let i = 0; i < n; i++) {
      const bound = boundaries[i];
      if (bound === undefined && infinite) break;
      if (bound === Infinity) infinite = true;
      texts.push(`le="${escapeLabelValue(bound === undefined || bound === Infinity ? '+Inf' : String(bound))}"`);
    }
    this.les.set(boundaries, { counts: n, texts });
    return texts;
  }
}

/**
 * A monotonic counter family counted outside the SDK (a plain number per series, read at scrape time): the text
 * CachingPrometheusSerializer (and PrometheusSerializer) writes for an OpenTelemetry counter of that name and
 * description whose data points are `series`, in that order, with `values`. The header and each series' text up to
 * its value are built once; the values are read at every call. For workshop_events_total, whose 60 series an
 * observable counter re-observed at every scrape (hashing each one's attributes, ~0.1 ms).
 */
export function counterFamilyText(
  name: string,
  description: string,
  series: readonly Attributes[],
): (values: readonly number[]) => string {
  const descriptor = { name, description, unit: '' } as MetricDescriptor;
  const h = header(descriptor, { dataPointType: DataPointType.SUM, isMonotonic: true } as MetricData);
  if (h.exposed === '') throw new Error(`invalid metric name: ${name}`);
  const prefixes = series.map((a) => {
    const labels = labelText(a);
    return `${h.exposed}${labels ? `{${labels}}` : ''} `;
  });
  return (values) => {
    if (values.length !== prefixes.length) throw new Error(`${name}: ${values.length} values for ${prefixes.length}`);
    let text = h.text;
    for (let i = 0; i < prefixes.length; i++) text += `${prefixes[i]}${valueText(values[i]!)}\n`;
    return text;
  };
}
