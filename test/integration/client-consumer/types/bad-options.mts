// A tracker that sends needs url and token.
import { createWorkshopTracker } from '@theautodoctor/workshop-analytics-client';

createWorkshopTracker({ url: 'http://127.0.0.1:3000' });
