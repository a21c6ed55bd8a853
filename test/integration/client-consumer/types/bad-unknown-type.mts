// A misspelt event type.
import { trackWorkshopEvent } from '@theautodoctor/workshop-analytics-client';

await trackWorkshopEvent({ eventType: 'workshop_aproved', workshopId: 'w', adminId: 'a' });
