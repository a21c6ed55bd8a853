/** Everything the package exports in every runtime; index.ts and node.ts add the default tracker's functions. */
export { createWorkshopTracker } from './tracker.js';
export { WorkshopTrackerError } from './errors.js';
export {
  DEFAULT_OPTIONS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  SERVER_MAX_BATCH_EVENTS,
  SERVER_MAX_BODY_BYTES,
} from './options.js';
export { EVENT_TYPES } from './events.generated.js';
export { isTraceparent } from './traceparent.js';
export type * from './events.generated.js';
export type { EventFields, EventMetadata, TrackEventFields } from './event-fields.js';
export type { TrackResult } from './default-tracker.js';
export type {
  DropReason,
  ShutdownOptions,
  TrackerSettings,
  TrackerStats,
  WorkshopTracker,
  WorkshopTrackerOptions,
} from './types.js';
