/**
 * The weekly digest job's work, run on Monday after the weekly KPI row is stored: last week vs the week before,
 * composed and sent to Slack and email (DIGEST_* settings). A delivery failure is logged, never thrown.
 */
import { addDays } from '../aggregate/periods.js';
import type { KpiStore } from '../aggregate/kpi-store.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { composeDigest } from './digest.js';
import { sendDigest } from './digest-sender.js';

export function weeklyDigest(
  config: Pick<Config, 'digest' | 'grafanaUrl'>,
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
    const outcome = await sendDigest(digest, config.digest, (channel, err) =>
      log.error({ err, channel }, 'weekly digest delivery failed'),
    );
    log.info({ week: monday, ...outcome }, 'weekly digest');
  };
}
