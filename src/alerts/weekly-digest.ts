/**
 * The weekly digest job's work, run on Monday after the weekly KPI row is stored: last week vs the week before,
 * composed and sent to Slack and email (DIGEST_* settings); the email also carries the week's daily charts (the
 * period report's, reports/). A delivery failure is logged, never thrown; failing charts leave the text.
 */
import { addDays } from '../aggregate/periods.js';
import type { KpiStore } from '../aggregate/kpi-store.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { renderCharts, type RenderedChart } from '../reports/charts.js';
import { loadReport } from '../reports/report-service.js';
import { composeDigest } from './digest.js';
import { digestHtml } from './digest-html.js';
import { sendDigest } from './digest-sender.js';

export function weeklyDigest(
  config: Pick<Config, 'digest' | 'grafanaUrl' | 'metricsTimeZone' | 'beta'>,
  log: Logger,
): (monday: string, kpis: Pick<KpiStore, 'read'>) => Promise<void> {
  return async (monday, kpis) => {
    const before = addDays(monday, -7);
    const rows = await kpis.read('weekly', before, monday);
    const digest = composeDigest(
      monday,
      rows.find((r) => r.metric_date === monday),
      rows.find((r) => r.metric_date === before),
      `${config.grafanaUrl}/d/workshop-overview`,
    );
    let charts: RenderedChart[] = [];
    const email = Boolean(config.digest.smtpUrl && config.digest.emailTo.length);
    try {
      // only the e-mail shows charts: without it, none are drawn (and ECharts is never loaded)
      if (email) {
        const settings = { timeZone: config.metricsTimeZone, beta: config.beta };
        const report = await loadReport(kpis, { type: 'weekly', from: monday, to: monday }, settings);
        charts = await renderCharts(report.charts);
      }
    } catch (err) {
      log.error({ err, week: monday }, 'weekly digest charts failed; the email has the text only');
    }
    const html = email ? { html: digestHtml(digest, charts) } : {};
    const outcome = await sendDigest({ ...digest, ...html }, config.digest, (channel, err) =>
      log.error({ err, channel }, 'weekly digest delivery failed'),
    );
    log.info({ week: monday, charts: charts.length, ...outcome }, 'weekly digest');
  };
}
