// A consumer app's CommonJS module using the plan's API, configured by WORKSHOP_ANALYTICS_URL and _TOKEN.
const {
  flushWorkshopEvents,
  shutdownWorkshopAnalytics,
  trackWorkshopEvent,
} = require('@theautodoctor/workshop-analytics-client');

async function main() {
  const { workshopId, adminId } = JSON.parse(process.argv[2]);
  const approved = await trackWorkshopEvent({ eventType: 'workshop_approved', workshopId, adminId });
  const rejected = await trackWorkshopEvent({
    eventType: 'workshop_rejected',
    workshopId,
    adminId,
    metadata: { reason: 'duplicate' },
  });
  await flushWorkshopEvents();
  const stats = await shutdownWorkshopAnalytics();
  console.log(JSON.stringify({ approved, rejected, stats }));
}
main();
