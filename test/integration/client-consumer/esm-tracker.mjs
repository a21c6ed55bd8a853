// A consumer app's ESM module: its own tracker (createWorkshopTracker), events with the ids it is given.
import { createWorkshopTracker } from '@theautodoctor/workshop-analytics-client';

const { url, token, ids, workshopId } = JSON.parse(process.argv[2]);
const tracker = createWorkshopTracker({ url, token });
tracker.track({ id: ids[0], type: 'workshop_dashboard_accessed', workshop_id: workshopId });
tracker.track({ id: ids[1], type: 'session_completed', workshop_id: workshopId, metadata: { revenue_cents: 12500 } });
const stats = await tracker.shutdown({ timeoutMs: 10000 });
console.log(JSON.stringify(stats));
