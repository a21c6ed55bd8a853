/**
 * KPI API (admin token): compute a period or backfill a range (GET|POST /api/cron/workshop-metrics), and
 * read stored rows (GET /api/metrics, CSV with format=csv; GET /api/metrics/latest).
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import { toCsv as toCsvDocument } from '../http/csv.js';
import { jsonBody } from '../http/json-body.js';
import { parseRequest } from '../http/request-validation.js';
import type { KpiAggregator } from './kpi-aggregator.js';
import { KPI_COLUMNS } from './kpi-definitions.js';
import type { KpiStore, MetricType, StoredKpiRow } from './kpi-store.js';
import {
  addDays,
  dateRange,
  isDate,
  mondayOf,
  monthOf,
  monthsTouched,
  previousMonth,
  previousWeek,
  yesterday,
} from './periods.js';
import { KPI_TARGETS } from './thresholds.js';

export const MAX_BACKFILL_DAYS = 366;
/** A monthly range covers at most this many months. */
export const MAX_BACKFILL_MONTHS = 36;

export interface KpiRoutesDeps {
  aggregator: KpiAggregator;
  store: KpiStore;
  adminTokens: readonly string[];
  timeZone: string;
  now?: () => number;
}

const date = z
  .string()
  .refine(isDate, { message: 'must be a calendar date YYYY-MM-DD' })
  .meta({ format: 'date', description: 'A calendar date, YYYY-MM-DD.' });
const type = z.enum(['daily', 'weekly', 'monthly'], { message: 'must be daily, weekly or monthly' });

export const periodQuery = z.strictObject({ date: date.optional(), type: type.default('daily') });
export const singleBody = z.strictObject({ date, type: type.default('daily') });
export const rangeBody = z.strictObject({
  startDate: date,
  endDate: date,
  backfill: z.literal(true, { message: 'must be true to compute a range (startDate..endDate)' }),
  type: type.default('daily'),
});
export const latestQuery = z.strictObject({ type: type.default('daily') });
/** {"date"} computes one period; anything else is read as a range request, so errors name its fields. */
const computeBody = (body: unknown) =>
  body !== null && typeof body === 'object' && 'date' in body
    ? parseRequest(singleBody, body)
    : parseRequest(rangeBody, body);
export const readQuery = z.strictObject({
  type: type.default('daily'),
  from: date,
  to: date,
  format: z.enum(['json', 'csv']).default('json'),
});

/**
 * The dates to compute for a range: every day, the Monday of every ISO week the range touches (at most 366 days),
 * or the first day of every calendar month it touches (at most 36 months).
 */
export function datesFor(t: MetricType, start: string, end: string): string[] {
  if (end < start)
    throw new AppError('invalid_request', 400, 'endDate: must not be before startDate', [
      { path: 'endDate', message: 'must not be before startDate' },
    ]);
  if (t === 'monthly') {
    const months = monthsTouched(start, end);
    if (months.length > MAX_BACKFILL_MONTHS) {
      const message = `a monthly range covers at most ${MAX_BACKFILL_MONTHS} months (got ${months.length})`;
      throw new AppError('invalid_request', 400, `endDate: ${message}`, [{ path: 'endDate', message }]);
    }
    return months;
  }
  const days = dateRange(start, end).length;
  if (days > MAX_BACKFILL_DAYS) {
    const message = `a range covers at most ${MAX_BACKFILL_DAYS} days (got ${days})`;
    throw new AppError('invalid_request', 400, `endDate: ${message}`, [{ path: 'endDate', message }]);
  }
  if (t === 'daily') return dateRange(start, end);
  const out: string[] = [];
  for (let m = mondayOf(start); m <= end; m = addDays(m, 7)) out.push(m);
  return out;
}

/** The KPI rows as CSV (http/csv.ts): the row fields, then every KPI column in API order. */
export function toCsv(rows: readonly StoredKpiRow[]): string {
  return toCsvDocument(['metric_date', 'metric_type', 'window_start', 'window_end', 'time_zone', ...KPI_COLUMNS], rows);
}

export function kpiRoutes(deps: KpiRoutesDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const auth = requireToken(deps.adminTokens, 'admin');
  const json = jsonBody(16 * 1024);
  /** One period: the given date's day, week or month; by default yesterday, last week or last month. */
  const single = (t: MetricType, d: string | undefined) => {
    if (t === 'daily') return [d ?? yesterday(now(), deps.timeZone)];
    if (t === 'weekly') return [d ? mondayOf(d) : previousWeek(now(), deps.timeZone)];
    return [d ? monthOf(d) : previousMonth(now(), deps.timeZone)];
  };

  router.get('/api/cron/workshop-metrics', auth, async (req: Request, res) => {
    const q = parseRequest(periodQuery, req.query);
    const rows = await deps.aggregator.compute(q.type, single(q.type, q.date));
    res.json({ type: q.type, rows });
  });

  router.post('/api/cron/workshop-metrics', auth, json, async (req: Request, res) => {
    const body = computeBody(req.body ?? {});
    const dates = 'date' in body ? single(body.type, body.date) : datesFor(body.type, body.startDate, body.endDate);
    const started = performance.now();
    const rows = await deps.aggregator.compute(body.type, dates);
    res.json({
      type: body.type,
      computed: rows.length,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      rows,
    });
  });

  router.get('/api/metrics', auth, async (req: Request, res) => {
    const q = parseRequest(readQuery, req.query);
    datesFor(q.type === 'monthly' ? 'monthly' : 'daily', q.from, q.to); // same range rules
    // monthly: every month the range touches (a month's row is dated its first day)
    const rows = await deps.store.read(q.type, q.type === 'monthly' ? monthOf(q.from) : q.from, q.to);
    if (q.format === 'csv') res.type('text/csv').send(toCsv(rows));
    else res.json({ type: q.type, targets: KPI_TARGETS, rows });
  });

  router.get('/api/metrics/latest', auth, async (req: Request, res) => {
    const q = parseRequest(latestQuery, req.query);
    const row = await deps.store.latest(q.type);
    if (!row) throw new AppError('not_found', 404, `no ${q.type} KPI row has been computed yet`);
    res.json(row);
  });

  return router;
}
