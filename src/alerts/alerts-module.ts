/** The alerts domain, wired: the alert-history API (webhook, list, acknowledge) and the owner e-mails it triggers. */
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { alertRoutes } from './alert-routes.js';
import { AlertStore } from './alert-store.js';
import type { OwnerNotificationMetrics } from './owner-notification-metrics.js';
import { createOwnerNotifier, type OwnerMailTiming } from './owner-notification-module.js';

export interface AlertsModuleDeps {
  metrics: OwnerNotificationMetrics;
  log: Logger;
  adminTokens: readonly string[];
  webhookTokens: readonly string[];
  ownerMail?: OwnerMailTiming;
}

export function createAlertsModule(pool: Pool, config: Pick<Config, 'ownerEmail'>, deps: AlertsModuleDeps) {
  const { metrics, log, adminTokens, webhookTokens } = deps;
  const ownerNotifier = createOwnerNotifier(config, {
    pool,
    metrics,
    log,
    ...(deps.ownerMail ? { timing: deps.ownerMail } : {}),
  });
  const store = new AlertStore(pool);
  const routes = alertRoutes({ store, adminTokens, webhookTokens, ...(ownerNotifier ? { ownerNotifier } : {}) });
  return { routes, ownerNotifier };
}
