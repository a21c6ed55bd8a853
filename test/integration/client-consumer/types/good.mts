// Usages that must compile (ESM): every kind of event, optional fields left out or null, extra metadata keys.
import {
  configureWorkshopAnalytics,
  createWorkshopTracker,
  EVENT_TYPES,
  flushWorkshopEvents,
  shutdownWorkshopAnalytics,
  trackWorkshopEvent,
  type EventType,
  type TrackEventParams,
  type TrackResult,
  type WorkshopEvent,
  type WorkshopTrackerError,
} from '@theautodoctor/workshop-analytics-client';

const workshopId = '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03';
configureWorkshopAnalytics({ url: 'http://127.0.0.1:3000', token: 't', maxBatchSize: 50 });
const result: TrackResult = await trackWorkshopEvent({ eventType: 'workshop_approved', workshopId, adminId: 'a' });
if (result.queued) console.log(result.id.toUpperCase());
else console.log(result.reason);
await trackWorkshopEvent({ eventType: 'workshop_signup_started', sessionId: 's' });
await trackWorkshopEvent({ eventType: 'session_completed', workshopId, metadata: { revenue_cents: 1, service: 'x' } });
await trackWorkshopEvent({ eventType: 'workshop_rejected', workshopId, adminId: 'a' });
await trackWorkshopEvent({ eventType: 'workshop_rejected', workshopId, adminId: 'a', metadata: { reason: 'r' } });
await trackWorkshopEvent({
  eventType: 'page_viewed',
  workshopId,
  durationMs: 12,
  userId: null,
  success: true,
  errorMessage: null,
  occurredAt: new Date(),
});
const params: TrackEventParams = { eventType: 'email_invite_failed', workshopId, errorMessage: 'smtp down' };
await trackWorkshopEvent(params);
await flushWorkshopEvents();
await shutdownWorkshopAnalytics({ timeoutMs: 1000 });

const errors: WorkshopTrackerError[] = [];
const tracker = createWorkshopTracker({
  url: 'http://127.0.0.1:3000',
  token: 't',
  onError: (e) => errors.push(e),
  getTraceparent: () => undefined,
});
const events: WorkshopEvent[] = [
  { type: 'workshop_dashboard_accessed', workshop_id: workshopId },
  { type: 'workshop_signup_success', workshop_id: workshopId, metadata: { name: 'n', city: 'c', capacity: 3 } },
  {
    type: 'mechanic_invited',
    workshop_id: workshopId,
    metadata: { invite_id: 'i' },
    occurred_at: '2026-01-01T00:00:00Z',
  },
  { type: 'session_rated', workshop_id: workshopId, metadata: { rating: 5 } },
];
for (const e of events) tracker.track(e);
const disabled = createWorkshopTracker({ disabled: true });
disabled.track({ type: 'workshop_first_mechanic', workshop_id: workshopId });
const count: number = disabled.stats().droppedByReason.disabled;
const types: readonly EventType[] = EVENT_TYPES;
console.log(count, types.length, (await tracker.shutdown()).sent);
