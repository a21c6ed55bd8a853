/**
 * @theautodoctor/workshop-analytics-client for Node ≥ 20 (ESM and CommonJS): everything of index.ts, and a
 * default tracker that, when `configureWorkshopAnalytics()` was never called, reads `WORKSHOP_ANALYTICS_URL`
 * and `WORKSHOP_ANALYTICS_TOKEN` from the environment on first use.
 */
import { createDefaultTrackerApi } from './default-tracker.js';

export * from './public-api.js';

/** The environment's settings, or undefined when either is unset or empty. */
function readEnvironment(): { url: string; token: string } | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const url = env?.WORKSHOP_ANALYTICS_URL?.trim();
  const token = env?.WORKSHOP_ANALYTICS_TOKEN?.trim();
  return url && token ? { url, token } : undefined;
}

export const { configureWorkshopAnalytics, trackWorkshopEvent, flushWorkshopEvents, shutdownWorkshopAnalytics } =
  createDefaultTrackerApi(
    readEnvironment,
    'Call configureWorkshopAnalytics({ url, token }) first, ' +
      'or set WORKSHOP_ANALYTICS_URL and WORKSHOP_ANALYTICS_TOKEN.',
  );
