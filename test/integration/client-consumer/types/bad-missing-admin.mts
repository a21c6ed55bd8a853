// workshop_approved requires adminId.
import { trackWorkshopEvent } from '@theautodoctor/workshop-analytics-client';

await trackWorkshopEvent({ eventType: 'workshop_approved', workshopId: 'w' });
