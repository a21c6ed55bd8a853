/** What owner e-mails report (implemented by telemetry/; a no-op in unit tests). Labels from closed sets only. */
import type { OwnerNotificationOutcome, OwnerNotificationRecipient } from '../catalogue/metric-catalogue.js';

export type { OwnerNotificationOutcome, OwnerNotificationRecipient };

export interface OwnerNotificationMetrics {
  /** One owner e-mail decided: sent, skipped (already sent within the period, or no address) or failed. */
  ownerNotification(outcome: OwnerNotificationOutcome, recipient: OwnerNotificationRecipient): void;
}

export const noopOwnerNotificationMetrics: OwnerNotificationMetrics = {
  ownerNotification() {},
};
