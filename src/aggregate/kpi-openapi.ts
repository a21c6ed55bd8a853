/** The KPI API (kpi-routes.ts) in the OpenAPI document: compute a period or a range, read stored rows. */
import { z } from 'zod';
import {
  bodyErrors,
  databaseUnavailable,
  errors,
  internalError,
  invalidRequestExample,
  jsonResponse,
  unauthorized,
  type ErrorDoc,
  type FeatureDoc,
} from '../http/api-doc.js';
import { KPI_COLUMNS } from './kpi-definitions.js';
import { latestQuery, periodQuery, rangeBody, readQuery, singleBody } from './kpi-routes.js';
import { METRIC_TYPES } from './kpi-store.js';
import { KPI_TARGETS } from './thresholds.js';

/** One stored KPI row (kpi-store.ts: StoredKpiRow): the period, then every KPI column (null: no data). */
export const kpiRowSchema = z.strictObject({
  metric_date: z.iso.date().meta({ description: 'The day, the Monday of the week, or the first of the month.' }),
  metric_type: z.enum(METRIC_TYPES),
  window_start: z.iso.datetime(),
  window_end: z.iso.datetime(),
  time_zone: z.string().meta({ description: 'METRICS_TZ: the zone the period was cut in.' }),
  computed_at: z.iso.datetime(),
  ...Object.fromEntries(KPI_COLUMNS.map((c) => [c, z.number().nullable()])),
});

const targetSchema = z.union([
  z.strictObject({ op: z.enum(['>', '<']), value: z.number() }),
  z.strictObject({ op: z.literal('between'), value: z.tuple([z.number(), z.number()]) }),
]);
const targetsSchema = z.strictObject(
  Object.fromEntries(Object.keys(KPI_TARGETS).map((k) => [k, targetSchema])) as Record<string, typeof targetSchema>,
);

const computed = z.strictObject({ type: z.enum(METRIC_TYPES), rows: z.array(kpiRowSchema) });
const backfilled = computed.extend({
  computed: z.int().min(0),
  seconds: z.number().min(0).meta({ description: 'How long the computation took.' }),
});
const stored = z.strictObject({ type: z.enum(METRIC_TYPES), targets: targetsSchema, rows: z.array(kpiRowSchema) });

const invalid = (examples: Record<string, ReturnType<typeof invalidRequestExample>>): Record<400, ErrorDoc> => ({
  400: { description: 'A parameter or field is invalid; `details` names each. Nothing was done.', examples },
});
const admin = errors(unauthorized('admin'), databaseUnavailable, internalError);

export const kpiDoc: FeatureDoc = {
  schemas: { KpiRow: kpiRowSchema, KpiTargets: targetsSchema },
  routes: [
    {
      method: 'get',
      path: '/api/cron/workshop-metrics',
      operationId: 'computeKpiPeriod',
      tag: 'kpis',
      summary: 'Compute one KPI period now',
      description:
        'Default: yesterday, last week or last month (METRICS_TZ); any date in a week or month means that one.',
      auth: 'admin',
      query: periodQuery,
      queryExamples: {
        yesterday: { summary: 'yesterday (daily)', value: {} },
        week: { summary: 'the ISO week of a date', value: { date: '2026-03-04', type: 'weekly' } },
      },
      responses: { 200: jsonResponse('The computed rows, stored.', computed) },
      errors: errors(
        invalid({
          invalid_request: invalidRequestExample('not a date', periodQuery, { date: '2026-02-30' }),
          unknown_parameter: invalidRequestExample('an unknown parameter', periodQuery, { day: '2026-03-01' }),
        }),
        admin,
      ),
    },
    {
      method: 'post',
      path: '/api/cron/workshop-metrics',
      operationId: 'computeKpiRange',
      tag: 'kpis',
      summary: 'Compute one period, or backfill a range',
      description:
        '`{"date"}` computes one period; `{"startDate", "endDate", "backfill": true}` every period the range touches ' +
        '(at most 366 days; monthly: at most 36 months).',
      auth: 'admin',
      body: {
        schema: z.union([singleBody, rangeBody]),
        required: true,
        examples: {
          single: { summary: 'one day', value: { date: '2026-03-01' } },
          backfill: {
            summary: 'a week of daily rows',
            value: { startDate: '2026-03-01', endDate: '2026-03-07', backfill: true, type: 'daily' },
          },
        },
      },
      responses: { 200: jsonResponse('The computed rows, stored.', backfilled) },
      errors: errors(
        invalid({
          invalid_request: invalidRequestExample('a range without backfill', rangeBody, {
            startDate: '2026-03-01',
            endDate: '2026-03-07',
          }),
        }),
        bodyErrors(16 * 1024),
        admin,
      ),
    },
    {
      method: 'get',
      path: '/api/metrics',
      operationId: 'readKpiRows',
      tag: 'kpis',
      summary: 'Stored KPI rows',
      description: 'JSON with the targets keyed by column, or CSV (rows only) with `format=csv`.',
      auth: 'admin',
      query: readQuery,
      queryExamples: {
        march: { summary: 'the daily rows of a week', value: { type: 'daily', from: '2026-03-01', to: '2026-03-07' } },
        csv: { summary: 'as CSV', value: { from: '2026-03-01', to: '2026-03-31', format: 'csv' } },
      },
      responses: {
        200: {
          description: 'The rows in date order.',
          content: {
            'application/json': { schema: stored },
            'text/csv; charset=utf-8': { example: `metric_date,metric_type,window_start,window_end,time_zone,...\n` },
          },
        },
      },
      errors: errors(
        invalid({
          invalid_request: invalidRequestExample('no range', readQuery, { type: 'daily' }),
        }),
        admin,
      ),
    },
    {
      method: 'get',
      path: '/api/metrics/latest',
      operationId: 'readLatestKpiRow',
      tag: 'kpis',
      summary: 'The newest KPI row',
      auth: 'admin',
      query: latestQuery,
      queryExamples: { weekly: { summary: 'the newest weekly row', value: { type: 'weekly' } } },
      responses: { 200: jsonResponse('The newest row of the type.', kpiRowSchema) },
      errors: errors(
        invalid({ invalid_request: invalidRequestExample('an unknown type', latestQuery, { type: 'hourly' }) }),
        {
          404: {
            description: 'No row of the type has been computed yet.',
            examples: {
              not_found: {
                summary: 'nothing computed',
                value: { error: { code: 'not_found', message: 'no daily KPI row has been computed yet' } },
              },
            },
          },
        },
        admin,
      ),
    },
  ],
};
