/**
 * Builds the owner e-mails (OwnerNotifier over PostgreSQL claims and an SMTP mailer) from the configuration, or
 * nothing when no SMTP server is configured (OWNER_EMAIL_SMTP_URL, else DIGEST_SMTP_URL): then owner e-mail is
 * off, which is logged once here.
 */
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { DEFAULT_SMTP_TIMEOUTS, smtpOwnerMailer, type SmtpTimeouts } from './owner-mailer.js';
import type { OwnerNotificationMetrics } from './owner-notification-metrics.js';
import { OwnerNotificationStore } from './owner-notification-store.js';
import { OwnerNotifier } from './owner-notifier.js';

export interface OwnerMailTiming {
  /** Most time the webhook waits for its owner e-mails (default 5 s). */
  waitMs?: number;
  /** SMTP timeouts of each send (owner-mailer.ts). */
  smtp?: Partial<SmtpTimeouts>;
}

export function createOwnerNotifier(
  config: Pick<Config, 'ownerEmail'>,
  deps: { pool: Pool; metrics: OwnerNotificationMetrics; log: Logger; timing?: OwnerMailTiming },
): OwnerNotifier | undefined {
  const { smtpUrl, from, accountManager } = config.ownerEmail;
  if (!smtpUrl) {
    deps.log.info('owner e-mail off: neither OWNER_EMAIL_SMTP_URL nor DIGEST_SMTP_URL is set');
    return undefined;
  }
  if (!accountManager)
    deps.log.info('owner e-mail: no ACCOUNT_MANAGER_EMAIL, so workshops without an owner address get none');
  return new OwnerNotifier({
    claims: new OwnerNotificationStore(deps.pool),
    mailer: smtpOwnerMailer(smtpUrl, { ...DEFAULT_SMTP_TIMEOUTS, ...deps.timing?.smtp }),
    metrics: deps.metrics,
    log: deps.log,
    from,
    accountManager,
    ...(deps.timing?.waitMs !== undefined ? { waitMs: deps.timing.waitMs } : {}),
  });
}
