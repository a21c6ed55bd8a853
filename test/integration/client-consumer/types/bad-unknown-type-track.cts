// An event type the catalogue does not have (CommonJS types).
import { createWorkshopTracker } from '@theautodoctor/workshop-analytics-client';

createWorkshopTracker({ url: 'http://127.0.0.1:3000', token: 't' }).track({
  type: 'invoice_paid',
  workshop_id: 'w',
});
