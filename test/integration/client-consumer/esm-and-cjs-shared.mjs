// One process loading both builds (an ESM app with a CommonJS dependency that also tracks): the default tracker
// configured through the ESM build is the one the CommonJS build uses.
import { createRequire } from 'node:module';
import { configureWorkshopAnalytics, shutdownWorkshopAnalytics } from '@theautodoctor/workshop-analytics-client';

const cjs = createRequire(import.meta.url)('@theautodoctor/workshop-analytics-client');
const { url, token, workshopId } = JSON.parse(process.argv[2]);
configureWorkshopAnalytics({ url, token });
const result = await cjs.trackWorkshopEvent({ eventType: 'workshop_dashboard_accessed', workshopId });
const stats = await shutdownWorkshopAnalytics();
console.log(
  JSON.stringify({ result, stats, distinctBuilds: cjs.configureWorkshopAnalytics !== configureWorkshopAnalytics }),
);
