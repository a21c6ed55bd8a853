/**
 * The plan's API around one default tracker: `configureWorkshopAnalytics()` sets it up (or, on Node, the
 * environment on first use), `trackWorkshopEvent()` maps the plan's camelCase parameters to the wire names and
 * never throws or rejects, `flushWorkshopEvents()` and `shutdownWorkshopAnalytics()` act on it. The state lives
 * on `globalThis` under a registered symbol, so the ESM and CommonJS copies of the package (and a module
 * re-evaluated by a dev server's hot reload) share one tracker instead of starting several.
 */
import { WIRE_NAMES } from './event-fields.js';
import type { TrackEventParams } from './events.generated.js';
import { randomUuid } from './runtime.js';
import { openTracker } from './tracker.js';
import type { DropReason, ShutdownOptions, TrackerStats, WorkshopTracker, WorkshopTrackerOptions } from './types.js';

/** What `trackWorkshopEvent()` did with an event: queued for sending, or dropped and why. */
export type TrackResult = { queued: true; id: string } | { queued: false; id: string | undefined; reason: DropReason };

/** Where the default tracker's settings may come from besides `configureWorkshopAnalytics()`. */
export type EnvironmentReader = () => { url: string; token: string } | undefined;

interface DefaultState {
  tracker: WorkshopTracker | undefined;
  offer: ((event: unknown) => DropReason | undefined) | undefined;
  /** The environment was read (once, on first use). */
  envRead: boolean;
  /** The not-configured warning was logged (once). */
  warned: boolean;
}

const STATE = Symbol.for('@theautodoctor/workshop-analytics-client/default-tracker');
const LOG_PREFIX = '[workshop-analytics]';

function state(): DefaultState {
  const g = globalThis as { [STATE]?: DefaultState };
  return (g[STATE] ??= { tracker: undefined, offer: undefined, envRead: false, warned: false });
}

/** The four functions of the plan's API, reading settings from `readEnv` when never configured. */
export function createDefaultTrackerApi(readEnv: EnvironmentReader, howToConfigure: string) {
  /** Sets up the default tracker (replacing one set up before, which is shut down in the background). */
  function configureWorkshopAnalytics(options: WorkshopTrackerOptions): WorkshopTracker {
    const opened = openTracker(options, 'configureWorkshopAnalytics:');
    const s = state();
    void s.tracker?.shutdown();
    s.tracker = opened.tracker;
    s.offer = opened.offer;
    return opened.tracker;
  }

  function current(): DefaultState {
    const s = state();
    if (s.tracker || s.envRead) return s;
    s.envRead = true;
    try {
      const env = readEnv();
      if (env) configureWorkshopAnalytics(env);
    } catch (err) {
      warnOnce(s, `the environment's settings are invalid (${err instanceof Error ? err.message : String(err)})`);
    }
    return s;
  }

  /**
   * Tracks one event on the default tracker. Resolves once it is queued (or dropped); never throws, never
   * rejects. Without configuration it logs one warning and drops the event (`not_configured`).
   */
  async function trackWorkshopEvent(params: TrackEventParams): Promise<TrackResult> {
    let id: string | undefined;
    try {
      const s = current();
      const event = toWireEvent(params);
      if (isRecord(event)) {
        event.id ??= randomUuid();
        if (typeof event.id === 'string') id = event.id;
      }
      if (!s.offer) {
        warnOnce(s, 'not configured');
        return { queued: false, id, reason: 'not_configured' };
      }
      const reason = s.offer(event);
      // queued: validation found `id` to be a UUID string
      return reason === undefined ? { queued: true, id: id as string } : { queued: false, id, reason };
    } catch {
      return { queued: false, id, reason: 'internal_error' };
    }
  }

  /** Resolves once every event tracked so far is delivered or dropped. Never rejects. */
  async function flushWorkshopEvents(): Promise<void> {
    await state().tracker?.flush();
  }

  /**
   * Shuts the default tracker down (see `WorkshopTracker.shutdown`); later events are dropped (`shutdown`)
   * until it is configured again. Resolves with its final stats, or `undefined` when there was none.
   */
  async function shutdownWorkshopAnalytics(options?: ShutdownOptions): Promise<TrackerStats | undefined> {
    return state().tracker?.shutdown(options);
  }

  function warnOnce(s: DefaultState, why: string): void {
    if (s.warned) return;
    s.warned = true;
    try {
      console.warn(`${LOG_PREFIX} trackWorkshopEvent: ${why}; events are dropped (not_configured). ${howToConfigure}`);
    } catch {
      // no console: nothing to tell
    }
  }

  return { configureWorkshopAnalytics, trackWorkshopEvent, flushWorkshopEvents, shutdownWorkshopAnalytics };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The plan's camelCase parameters under their wire names. Anything else is passed on as it is, for the
 * tracker's validation to refuse with its own message (`unknown field "ipAddress"`, `an event must be an
 * object`), counted as `invalid`.
 */
function toWireEvent(params: unknown): unknown {
  if (!isRecord(params)) return params;
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    event[Object.hasOwn(WIRE_NAMES, key) ? WIRE_NAMES[key as keyof typeof WIRE_NAMES] : key] = value;
  }
  return event;
}
