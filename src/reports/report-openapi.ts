/** GET /api/reports/kpi (report-routes.ts) in the OpenAPI document. */
import {
  databaseUnavailable,
  errors,
  internalError,
  invalidRequestExample,
  unauthorized,
  type FeatureDoc,
} from '../http/api-doc.js';
import { reportQuery } from './report-routes.js';
import { REPORT_CONTENT_TYPES } from './report-service.js';

export const reportsDoc: FeatureDoc = {
  routes: [
    {
      method: 'get',
      path: '/api/reports/kpi',
      operationId: 'getKpiReport',
      tag: 'reports',
      summary: 'The period report',
      description:
        'Every KPI of the period against the previous period and its target: HTML with charts (default), ' +
        'Markdown or CSV. At most 366 days.',
      auth: 'admin',
      query: reportQuery,
      queryExamples: {
        week: { summary: 'a week, as HTML', value: { from: '2026-03-02', to: '2026-03-08' } },
        month: {
          summary: 'a month of weekly rows, as Markdown',
          value: { from: '2026-03-01', to: '2026-03-31', type: 'weekly', format: 'md' },
        },
      },
      responses: {
        200: {
          description: 'The report, served inline with a file name (Content-Disposition).',
          content: {
            [REPORT_CONTENT_TYPES.html]: { example: '<!doctype html><html>…</html>' },
            [REPORT_CONTENT_TYPES.md]: { example: '# Workshop report 2026-03-02 – 2026-03-08\n…' },
            [REPORT_CONTENT_TYPES.csv]: { example: 'kpi,value,previous,target,...\n' },
          },
        },
      },
      errors: errors(
        {
          400: {
            description: 'A bad date or format, `to` before `from`, or a range over 366 days.',
            examples: {
              invalid_request: invalidRequestExample('an unknown format', reportQuery, {
                from: '2026-03-01',
                to: '2026-03-31',
                format: 'pdf',
              }),
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
