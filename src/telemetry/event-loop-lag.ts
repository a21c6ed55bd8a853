/**
 * prom-client's event-loop lag gauges (`nodejs_eventloop_lag_seconds` and `nodejs_eventloop_lag_{min,max,mean,
 * stddev,p50,p90,p99}_seconds`: the same names, help and meaning), computed at a fraction of the cost.
 *
 * prom-client reads them from perf_hooks.monitorEventLoopDelay, an HdrHistogram of 3 significant digits whose mean,
 * stddev and each percentile walk all its buckets: ~0.45 ms of CPU per scrape whatever the number of samples, a
 * third of an ingest replica's whole /metrics (BENCHMARKS.md, bench:scrape). Here the delay is sampled the same way
 * (a timer every RESOLUTION_MS; a sample is how late it fired) and the statistics are exact: min, max, mean and
 * standard deviation kept as the samples come (Welford), the percentiles selected (not sorted) among the samples
 * since the last scrape, at the rank HdrHistogram picks (max(1, round(p% × count))): ~0.05-0.1 ms at a 15 s scrape
 * interval (1,500 samples), ~0.25 ms at 60 s. Like prom-client, every scrape starts a new window.
 */
import { Gauge, type Registry } from 'prom-client';

/** monitorEventLoopDelay's default resolution, as prom-client uses it. */
export const RESOLUTION_MS = 10;
/** Samples kept for the percentiles between two scrapes (~11 minutes at 10 ms): the most recent ones. */
export const MAX_SAMPLES = 65_536;

export const EVENT_LOOP_LAG_METRICS = [
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
] as const;

export interface LagStats {
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * The k-th smallest of a[0..hi] (0-based), moving elements in place so that a[0..k-1] ≤ a[k] ≤ a[k+1..hi]
 * (quickselect: linear on average, where sorting ~6,000 samples of a 60 s scrape interval took ~0.5 ms).
 */
function select(a: Float64Array, k: number, hi: number): number {
  let lo = 0;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** The delays (ns) of one window and their statistics. */
export class LagWindow {
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = 0;
  private readonly samples: Float64Array;
  private kept = 0;
  private next = 0;

  constructor(capacity = MAX_SAMPLES) {
    this.samples = new Float64Array(capacity);
  }

  record(ns: number): void {
    this.count++;
    const d = ns - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (ns - this.mean);
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
    this.samples[this.next] = ns;
    this.next = (this.next + 1) % this.samples.length;
    if (this.kept < this.samples.length) this.kept++;
  }

  /**
   * The window's statistics in ns, then a new window. An empty window reads as prom-client's empty histogram: min
   * 2^63, max 0, mean and stddev NaN; its percentiles read 0.
   */
  take(): LagStats {
    const n = this.kept;
    const a = this.samples.slice(0, n);
    const rank = (p: number) => Math.max(1, Math.round((p / 100) * n)) - 1;
    // the three ranks by selection, largest first, each one's search narrowed to the part left of the previous
    const at = (p: number, hi: number) => (n === 0 ? 0 : select(a, rank(p), hi));
    const p99 = at(99, n - 1);
    const p90 = at(90, rank(99));
    const p50 = at(50, rank(90));
    const empty = this.count === 0;
    const stats: LagStats = {
      min: empty ? 2 ** 63 : this.min,
      max: this.max,
      mean: empty ? NaN : this.mean,
      stddev: empty ? NaN : Math.sqrt(this.m2 / this.count),
      p50,
      p90,
      p99,
    };
    this.count = this.mean = this.m2 = this.max = this.kept = this.next = 0;
    this.min = Infinity;
    return stats;
  }
}

/**
 * Registers the eight gauges on `registry` and starts sampling (an unref'd timer: it keeps no process alive).
 * Returns the function that stops it.
 */
export function registerEventLoopLag(registry: Registry): () => void {
  const window = new LagWindow();
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - RESOLUTION_MS;
    last = now;
    if (late > 0) window.record(Math.round(late * 1e6));
  }, RESOLUTION_MS);
  timer.unref();

  const gauge = (name: string, help: string, collect?: () => void) =>
    new Gauge({ name, help, registers: [registry], ...(collect ? { collect } : {}) });
  const [lagName, minName, maxName, meanName, stddevName, p50Name, p90Name, p99Name] = EVENT_LOOP_LAG_METRICS;
  // registered first, as prom-client does: its collect sets the seven others before the registry reads them; its
  // own value is the time to the next setImmediate, measured at the previous scrape
  const lag = gauge(lagName, 'Lag of event loop in seconds.', () => {
    const start = process.hrtime.bigint();
    setImmediate(() => lag.set(Number(process.hrtime.bigint() - start) / 1e9));
    const s = window.take();
    min.set(s.min / 1e9);
    max.set(s.max / 1e9);
    mean.set(s.mean / 1e9);
    stddev.set(s.stddev / 1e9);
    p50.set(s.p50 / 1e9);
    p90.set(s.p90 / 1e9);
    p99.set(s.p99 / 1e9);
  });
  const min = gauge(minName, 'The minimum recorded event loop delay.');
  const max = gauge(maxName, 'The maximum recorded event loop delay.');
  const mean = gauge(meanName, 'The mean of the recorded event loop delays.');
  const stddev = gauge(stddevName, 'The standard deviation of the recorded event loop delays.');
  const p50 = gauge(p50Name, 'The 50th percentile of the recorded event loop delays.');
  const p90 = gauge(p90Name, 'The 90th percentile of the recorded event loop delays.');
  const p99 = gauge(p99Name, 'The 99th percentile of the recorded event loop delays.');
  return () => clearInterval(timer);
}
