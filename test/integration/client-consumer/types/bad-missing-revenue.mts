// session_completed requires metadata.revenue_cents.
import { createWorkshopTracker } from '@theautodoctor/workshop-analytics-client';

const tracker = createWorkshopTracker({ url: 'http://127.0.0.1:3000', token: 't' });
tracker.track({ type: 'session_completed', workshop_id: 'w', metadata: { service: 'brakes' } });
