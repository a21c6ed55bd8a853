// session_completed requires metadata (with revenue_cents).
import { trackWorkshopEvent } from '@theautodoctor/workshop-analytics-client';

await trackWorkshopEvent({ eventType: 'session_completed', workshopId: 'w' });
