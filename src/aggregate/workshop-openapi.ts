/** The hourly checks and a workshop's health score (workshop-routes.ts) in the OpenAPI document. */
import { z } from 'zod';
import {
  bodyErrors,
  databaseUnavailable,
  errors,
  internalError,
  invalidRequestExample,
  jsonResponse,
  thrownExample,
  unauthorized,
  type FeatureDoc,
  type RouteDoc,
} from '../http/api-doc.js';
import { uuidParam } from '../http/request-validation.js';
import { CHECK_TYPES } from './alert-checks.js';
import { WEIGHTS } from './health-score.js';
import { checkParams } from './workshop-routes.js';

const checkResult = z.strictObject({
  triggered: z.boolean(),
  count: z.int().min(0),
  threshold: z.number(),
  items: z.array(z.record(z.string(), z.unknown())).meta({ description: 'What the check found (ids, ages).' }),
});
const checksRun = z.strictObject({
  checked_at: z.iso.datetime(),
  checks: z.strictObject(Object.fromEntries(CHECK_TYPES.map((t) => [t, checkResult.optional()]))),
});

const factorNames = Object.keys(WEIGHTS) as [keyof typeof WEIGHTS, ...Array<keyof typeof WEIGHTS>];
const health = z.strictObject({
  workshop_id: z.uuid(),
  name: z.string().nullable(),
  city: z.string().nullable(),
  workshop_status: z.enum(['pending', 'active', 'rejected', 'suspended']).nullable(),
  score: z.number().min(0).max(100),
  status: z.enum(['healthy', 'at_risk', 'critical']),
  factors: z.array(
    z.strictObject({
      name: z.enum(factorNames),
      weight: z.number(),
      score: z.number().min(0).max(1).nullable().meta({ description: 'null: the factor does not apply (no data).' }),
      value: z.string().meta({ description: 'The input the score came from, for people.' }),
    }),
  ),
});

const checksDoc = (method: 'get' | 'post'): RouteDoc => ({
  method,
  path: '/api/cron/workshop-alerts',
  operationId: method === 'get' ? 'runChecks' : 'runChecksPost',
  tag: 'checks',
  summary: 'Run the hourly checks now',
  description: `Every check, or only \`checkType\` (${method === 'get' ? 'a query parameter' : 'in the body'}).`,
  auth: 'admin',
  ...(method === 'get'
    ? {
        query: checkParams,
        queryExamples: {
          all: { summary: 'every check', value: {} },
          one: { summary: 'one check', value: { checkType: 'stuck_applications' } },
        },
      }
    : {
        body: {
          schema: checkParams,
          required: false,
          examples: { one: { summary: 'one check', value: { checkType: 'approval_backlog' } } },
        },
      }),
  responses: { 200: jsonResponse('What each check found.', checksRun) },
  errors: errors(
    {
      400: {
        description: 'An unknown check type or parameter. Nothing was done.',
        examples: { invalid_request: invalidRequestExample('an unknown check', checkParams, { checkType: 'fires' }) },
      },
    },
    method === 'post' ? bodyErrors(4 * 1024) : {},
    unauthorized('admin'),
    databaseUnavailable,
    internalError,
  ),
});

export const workshopDoc: FeatureDoc = {
  schemas: { CheckResult: checkResult, WorkshopHealth: health },
  routes: [
    checksDoc('get'),
    checksDoc('post'),
    {
      method: 'get',
      path: '/api/workshops/:id/health',
      operationId: 'getWorkshopHealth',
      tag: 'workshops',
      summary: "A workshop's health score",
      description: 'The score 0-100 with every factor (docs/health-score.md).',
      auth: 'admin',
      pathParams: { id: { description: 'The workshop id.', example: '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03' } },
      responses: { 200: jsonResponse('The score and its factors.', health) },
      errors: errors(
        {
          400: {
            description: 'The id is not a UUID.',
            examples: { invalid_request: thrownExample('not a UUID', () => uuidParam('42', 'workshop')) },
          },
        },
        {
          404: {
            description: 'No such workshop.',
            examples: {
              not_found: {
                summary: 'unknown workshop',
                value: { error: { code: 'not_found', message: 'no workshop 5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03' } },
              },
            },
          },
        },
        unauthorized('admin'),
        databaseUnavailable,
        internalError,
      ),
    },
  ],
};
