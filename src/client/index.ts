/**
 * Workshop tracker SDK: apps call `createWorkshopTracker({ url, token })` once, then `tracker.track(event)`
 * (the plan's `trackWorkshopEvent()`), and `await tracker.shutdown()` before exiting.
 */
export { createWorkshopTracker } from './tracker.js';
export { WorkshopTrackerError } from './errors.js';
export {
  DEFAULT_OPTIONS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  SERVER_MAX_BATCH_EVENTS,
  SERVER_MAX_BODY_BYTES,
} from './options.js';
export type {
  DropReason,
  ShutdownOptions,
  TrackerStats,
  WorkshopEvent,
  WorkshopTracker,
  WorkshopTrackerOptions,
} from './types.js';
