/** GET /api/reports/kpi (admin token): a period report as HTML (with charts), Markdown or CSV. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { requireToken } from '../http/auth.js';
import { parseRequest } from '../http/request-validation.js';
import { MAX_BACKFILL_DAYS } from '../aggregate/kpi-routes.js';
import type { KpiStore } from '../aggregate/kpi-store.js';
import { isDate } from '../aggregate/periods.js';
import {
  loadReport,
  renderReport,
  REPORT_CONTENT_TYPES,
  REPORT_FORMATS,
  type ReportSettings,
} from './report-service.js';

/** Report types the API accepts: the stored KPI rows' types. */
export const REPORT_TYPES = ['daily', 'weekly', 'monthly'] as const;

const date = z
  .string()
  .refine(isDate, { message: 'must be a calendar date YYYY-MM-DD' })
  .meta({ format: 'date', description: 'A calendar date, YYYY-MM-DD.' });
export const reportQuery = z.strictObject({
  from: date,
  to: date,
  type: z.enum(REPORT_TYPES, { message: `must be ${REPORT_TYPES.join(', ')}` }).default('daily'),
  format: z.enum(REPORT_FORMATS, { message: `must be ${REPORT_FORMATS.join(', ')}` }).default('html'),
});

export interface ReportRoutesDeps extends ReportSettings {
  store: Pick<KpiStore, 'read'>;
  adminTokens: readonly string[];
}

export function reportRoutes(deps: ReportRoutesDeps): Router {
  const router = Router();
  router.get('/api/reports/kpi', requireToken(deps.adminTokens, 'admin'), async (req: Request, res) => {
    const q = parseRequest(reportQuery, req.query);
    const fail = (message: string) => new AppError('invalid_request', 400, `to: ${message}`, [{ path: 'to', message }]);
    if (q.to < q.from) throw fail('must not be before from');
    const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1; // no list: a huge range is cheap to refuse
    if (days > MAX_BACKFILL_DAYS) throw fail(`a report covers at most ${MAX_BACKFILL_DAYS} days (got ${days})`);
    const report = await loadReport(deps.store, q, deps);
    const name = `workshop-report-${report.period.firstDay}-${report.period.lastDay}.${q.format}`;
    res
      .type(REPORT_CONTENT_TYPES[q.format])
      .set('content-disposition', `inline; filename="${name}"`)
      .send(await renderReport(report, q.format));
  });
  return router;
}
