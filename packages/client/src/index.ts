/**
 * @theautodoctor/workshop-analytics-client for browsers, edge runtimes and any other ESM or CommonJS runtime
 * with `fetch` and Web Crypto (no `node:` import, no `process`). Node gets node.ts, which also reads the
 * default tracker's settings from the environment.
 *
 * `createWorkshopTracker({ url, token })` makes a tracker an app owns; `configureWorkshopAnalytics()` and
 * `trackWorkshopEvent()` are the plan's API around one default tracker.
 */
import { createDefaultTrackerApi } from './default-tracker.js';

export * from './public-api.js';

export const { configureWorkshopAnalytics, trackWorkshopEvent, flushWorkshopEvents, shutdownWorkshopAnalytics } =
  createDefaultTrackerApi(() => undefined, 'Call configureWorkshopAnalytics({ url, token }) first.');
