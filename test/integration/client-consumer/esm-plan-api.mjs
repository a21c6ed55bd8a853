// A consumer app's ESM module using the plan's API, configured in code.
import {
  configureWorkshopAnalytics,
  shutdownWorkshopAnalytics,
  trackWorkshopEvent,
} from '@theautodoctor/workshop-analytics-client';

const { url, token, workshopId, mechanicId } = JSON.parse(process.argv[2]);
configureWorkshopAnalytics({ url, token });
const result = await trackWorkshopEvent({
  eventType: 'mechanic_invite_accepted',
  workshopId,
  mechanicId,
  metadata: { invite_id: 'inv-42' },
  occurredAt: new Date('2026-11-30T09:15:00Z'),
});
const stats = await shutdownWorkshopAnalytics();
console.log(JSON.stringify({ result, stats }));
