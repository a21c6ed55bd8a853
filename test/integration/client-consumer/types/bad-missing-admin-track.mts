// workshop_approved requires admin_id.
import { createWorkshopTracker } from '@theautodoctor/workshop-analytics-client';

createWorkshopTracker({ url: 'http://127.0.0.1:3000', token: 't' }).track({
  type: 'workshop_approved',
  workshop_id: 'w',
});
