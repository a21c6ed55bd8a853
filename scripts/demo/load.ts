/**
 * Loads the demo programme into a running service over its public HTTP API, the way any app would: events through
 * the client package (@theautodoctor/workshop-analytics-client: batches of POST /v1/events with the ingest token,
 * retried under the same ids, 503 + Retry-After honoured), then the KPI backfill over the programme's range, daily,
 * weekly and monthly (POST /api/cron/workshop-metrics, admin token), then the hourly checks
 * (GET /api/cron/workshop-alerts). Used by `npm run demo` and by test/integration/demo-and-reader.test.ts.
 */
import {
  createWorkshopTracker,
  type WorkshopEvent,
  type WorkshopTrackerError,
} from '@theautodoctor/workshop-analytics-client';
import { demoProgramme, type DemoEvent, type DemoFate } from './programme.js';

export interface LoadDemoOptions {
  serviceUrl: string;
  ingestToken: string;
  adminToken: string;
  /** The programme ends at this instant (default: now). */
  nowMs?: number;
  seed?: number;
  /** Events per POST /v1/events (1-1000, default 500). */
  batchSize?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface CheckSummary {
  triggered: boolean;
  count: number;
}

export interface DemoSummary {
  serviceUrl: string;
  range: { startDate: string; endDate: string; start: string; end: string };
  events: { sent: number; accepted: number; duplicates: number; batches: number; byType: Record<string, number> };
  workshops: Array<{ workshop_id: string; name: string; city: string; fate: DemoFate }>;
  revenueCents: number;
  kpiRows: { daily: number; weekly: number; monthly: number; seconds: number };
  checks: Record<string, CheckSummary>;
}

const HTTP_ATTEMPTS = 8;

export class DemoLoadError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'DemoLoadError';
  }
}

async function call(url: string, init: RequestInit, what: string): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (err) {
      if (attempt >= HTTP_ATTEMPTS) throw new DemoLoadError(`${what}: ${url} unreachable (${(err as Error).message})`);
      await sleep(250 * 2 ** attempt);
      continue;
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    if (res.ok) return body;
    if ((res.status === 503 || res.status === 429) && attempt < HTTP_ATTEMPTS) {
      const retryAfter = Number(res.headers.get('retry-after'));
      await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt);
      continue;
    }
    const hint = res.status === 401 ? ' (wrong token?)' : '';
    throw new DemoLoadError(`${what}: HTTP ${res.status}${hint}: ${text.slice(0, 500)}`, res.status, body);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until GET /readyz answers 200 (the database is up and migrated). */
export async function waitReady(serviceUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${serviceUrl}/readyz`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new DemoLoadError(
    `${serviceUrl} is not ready (${last}); start it with \`npm start\` or \`docker compose up -d\``,
  );
}

export async function loadDemo(opts: LoadDemoOptions): Promise<DemoSummary> {
  const base = opts.serviceUrl.replace(/\/+$/, '');
  const log = opts.log ?? (() => {});
  const batchSize = Math.min(1000, Math.max(1, opts.batchSize ?? 500));
  const programme = demoProgramme(opts.nowMs ?? Date.now(), opts.seed);
  await waitReady(base);

  const admin = { 'content-type': 'application/json', authorization: `Bearer ${opts.adminToken}` };
  const { accepted, duplicates, batches } = await sendEvents(base, opts.ingestToken, programme.events, batchSize);
  const byType: Record<string, number> = {};
  for (const e of programme.events) byType[e.type] = (byType[e.type] ?? 0) + 1;
  log(`sent ${programme.events.length} events in ${batches} batches: ${accepted} accepted, ${duplicates} duplicates`);

  const range = { startDate: programme.startDate, endDate: programme.endDate, backfill: true };
  const daily = (await call(
    `${base}/api/cron/workshop-metrics`,
    { method: 'POST', headers: admin, body: JSON.stringify({ ...range, type: 'daily' }) },
    'daily KPI backfill',
  )) as { computed: number; seconds: number };
  const weekly = (await call(
    `${base}/api/cron/workshop-metrics`,
    { method: 'POST', headers: admin, body: JSON.stringify({ ...range, type: 'weekly' }) },
    'weekly KPI backfill',
  )) as { computed: number; seconds: number };
  const monthly = (await call(
    `${base}/api/cron/workshop-metrics`,
    { method: 'POST', headers: admin, body: JSON.stringify({ ...range, type: 'monthly' }) },
    'monthly KPI backfill',
  )) as { computed: number; seconds: number };
  log(
    `KPI backfill ${programme.startDate}..${programme.endDate}: ${daily.computed} daily, ${weekly.computed} weekly ` +
      `and ${monthly.computed} monthly rows`,
  );

  const alerts = (await call(
    `${base}/api/cron/workshop-alerts`,
    { headers: admin },
    'GET /api/cron/workshop-alerts',
  )) as { checks: Record<string, CheckSummary> };
  const checks = Object.fromEntries(
    Object.entries(alerts.checks ?? {}).map(([k, v]) => [k, { triggered: v.triggered, count: v.count }]),
  );

  return {
    serviceUrl: base,
    range: {
      startDate: programme.startDate,
      endDate: programme.endDate,
      start: new Date(programme.startMs).toISOString(),
      end: new Date(programme.endMs).toISOString(),
    },
    events: { sent: programme.events.length, accepted, duplicates, batches, byType },
    workshops: programme.workshops.map(({ workshop_id, name, city, fate }) => ({ workshop_id, name, city, fate })),
    revenueCents: programme.events.reduce(
      (sum, e) => sum + (e.type === 'session_completed' ? Number(e.metadata?.revenue_cents ?? 0) : 0),
      0,
    ),
    kpiRows: {
      daily: daily.computed,
      weekly: weekly.computed,
      monthly: monthly.computed,
      seconds: Number((daily.seconds + weekly.seconds + monthly.seconds).toFixed(3)),
    },
    checks,
  };
}

/**
 * Sends the events with the client package's tracker, `batchSize` per request, one request at a time; resolves
 * once all are delivered. Any drop (a wrong token, a refused event, the service gone for minutes) fails the demo.
 */
async function sendEvents(
  url: string,
  token: string,
  events: readonly DemoEvent[],
  batchSize: number,
): Promise<{ accepted: number; duplicates: number; batches: number }> {
  let requests = 0;
  const errors: WorkshopTrackerError[] = [];
  const tracker = createWorkshopTracker({
    url,
    token,
    maxBatchSize: batchSize,
    maxQueueSize: Math.max(events.length, 1),
    maxConcurrentBatches: 1,
    onError: (e) => errors.push(e),
    fetch: (input, init) => {
      requests += 1;
      return fetch(input, init);
    },
  });
  // the programme's events follow the catalogue (test/integration/demo-and-reader.test.ts validates them all)
  for (const e of events) tracker.track(e as unknown as WorkshopEvent);
  const stats = await tracker.shutdown({ timeoutMs: 300_000 });
  if (stats.dropped > 0) {
    const first = errors[0];
    const hint = first?.reason === 'unauthorized' ? ' (wrong token?)' : '';
    throw new DemoLoadError(
      `POST /v1/events: ${stats.dropped} of ${events.length} events dropped${hint}: ${first?.message ?? ''}`,
      first?.status,
      first?.details,
    );
  }
  return { accepted: stats.sent, duplicates: stats.duplicates, batches: requests - stats.retries };
}

/** The summary as a few readable lines. */
export function formatSummary(s: DemoSummary): string {
  const money = (cents: number) =>
    `$${(cents / 100).toLocaleString('en-CA', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  const lines = [
    `Demo programme loaded into ${s.serviceUrl}`,
    `  range:     ${s.range.start} .. ${s.range.end}`,
    `  events:    ${s.events.sent} sent (${s.events.accepted} accepted, ${s.events.duplicates} duplicates) in ${s.events.batches} batches`,
    `  revenue:   ${money(s.revenueCents)} over ${s.events.byType.session_completed ?? 0} sessions`,
    `  KPI rows:  ${s.kpiRows.daily} daily, ${s.kpiRows.weekly} weekly, ${s.kpiRows.monthly} monthly (${s.kpiRows.seconds} s)`,
    '  workshops:',
    ...s.workshops.map((w) => `    ${w.fate.padEnd(15)} ${w.name} (${w.city})  ${w.workshop_id}`),
    '  checks (GET /api/cron/workshop-alerts):',
    ...Object.entries(s.checks).map(
      ([k, v]) => `    ${(v.triggered ? 'TRIGGERED' : 'ok').padEnd(10)} ${k}: ${v.count}`,
    ),
  ];
  return lines.join('\n');
}
