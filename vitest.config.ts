/**
 * Test tiers, run by one vitest invocation (`npm test`) as projects, or one at a time (`npm run test:unit`, …):
 * - unit:        pure logic with in-memory fakes; no PostgreSQL, no external binary.
 * - contract:    configuration checked by the real promtool, amtool and docker-compose.
 * - integration: the service in-process against a real PostgreSQL (one embedded server per run).
 * - e2e:         real Prometheus and Alertmanager against the service and real SMTP/HTTP peers.
 * - faults:      real processes killed and restarted under load (PostgreSQL, the service), a read-only database.
 * - topology:    the production topology as real processes on loopback: ingest replicas behind HAProxy, an
 *                aggregator, an HA pair of Prometheus servers, a two-peer Alertmanager cluster, SMTP/webhook peers.
 */
import { defineConfig } from 'vitest/config';

/** The client package's build (tests use it by name), then one PostgreSQL for the run. */
const POSTGRES = ['test/support/client-build.ts', 'test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'contract', include: ['test/contract/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: POSTGRES },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: POSTGRES } },
      { extends: true, test: { name: 'faults', include: ['test/faults/**/*.test.ts'], globalSetup: POSTGRES } },
      { extends: true, test: { name: 'topology', include: ['test/topology/**/*.test.ts'], globalSetup: POSTGRES } },
    ],
  },
});
