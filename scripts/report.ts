/**
 * `npm run report -- --from YYYY-MM-DD --to YYYY-MM-DD --out report.html [--type daily|weekly] [--format html|md|csv]`:
 * the period report of GET /api/reports/kpi, read from the database (DATABASE_URL, or the embedded one in
 * DATA_DIR, as `npm start` uses) and written to a file. The format is --format, else the out file's extension.
 * It reads stored KPI rows only: compute missing ones first (POST /api/cron/workshop-metrics with a backfill).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KpiStore } from '../src/aggregate/kpi-store.js';
import { isDate } from '../src/aggregate/periods.js';
import { createPool } from '../src/db/pool.js';
import { REPORT_TYPES } from '../src/reports/report-routes.js';
import { loadReport, renderReport, REPORT_FORMATS, type ReportFormat } from '../src/reports/report-service.js';
import { withDatabase } from './cli.js';

const USAGE =
  'usage: npm run report -- --from YYYY-MM-DD --to YYYY-MM-DD --out FILE [--type daily|weekly] [--format html|md|csv]';

function options() {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      type: { type: 'string', default: 'daily' },
      format: { type: 'string' },
    },
  });
  const problems: string[] = [];
  if (!isDate(values.from)) problems.push('--from: a calendar date YYYY-MM-DD');
  if (!isDate(values.to)) problems.push('--to: a calendar date YYYY-MM-DD');
  else if (isDate(values.from) && values.to < values.from) problems.push('--to: must not be before --from');
  if (!values.out) problems.push('--out: the file to write');
  const type = values.type as (typeof REPORT_TYPES)[number];
  if (!REPORT_TYPES.includes(type)) problems.push(`--type: ${REPORT_TYPES.join(' or ')}`);
  const format = (values.format ?? path.extname(values.out ?? '').slice(1)) as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    problems.push(`--format (or the out file's extension): ${REPORT_FORMATS.join(', ')}`);
  if (problems.length) {
    console.error([USAGE, ...problems.map((p) => `  ${p}`)].join('\n'));
    process.exit(2);
  }
  return { from: values.from!, to: values.to!, out: values.out!, type, format };
}

const opts = options();
await withDatabase(async (db, config) => {
  const pool = createPool(db.url, 2, (err) => console.error(err));
  try {
    const settings = { timeZone: config.metricsTimeZone, beta: config.beta };
    const report = await loadReport(new KpiStore(pool), opts, settings);
    await writeFile(opts.out, await renderReport(report, opts.format));
    const missing = report.missing.length ? ` (no row for ${report.missing.join(', ')})` : '';
    console.log(`wrote ${opts.out}: ${report.period.firstDay}..${report.period.lastDay}, ${opts.format}${missing}`);
  } finally {
    await pool.end();
  }
});
