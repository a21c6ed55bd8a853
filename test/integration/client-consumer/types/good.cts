// Usages that must compile (CommonJS): the require condition's types.
import { createWorkshopTracker, trackWorkshopEvent } from '@theautodoctor/workshop-analytics-client';

const tracker = createWorkshopTracker({ url: 'http://127.0.0.1:3000', token: 't' });
tracker.track({ type: 'mechanic_removed', workshop_id: 'w', mechanic_id: 'm' });
void trackWorkshopEvent({ eventType: 'workshop_suspended', workshopId: 'w' }).then((r) => r.queued);
