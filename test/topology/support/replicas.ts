/**
 * Service processes of the production topology on loopback, each a real `src/main.ts` child process (service-
 * process.ts) on a port of its own that it keeps across restarts: ingest replicas (AGGREGATOR_MODE=off) and
 * aggregators (AGGREGATOR_MODE=only), like the compose stack's roles. They migrate as the schema owner and serve as
 * workshop_app, as a deployment with two database roles does.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/db/embedded-postgres.js';
import { asAppRole } from '../../support/database.js';
import { ADMIN_TOKEN, INGEST_TOKEN, WEBHOOK_TOKEN } from '../../support/service.js';
import { spawnService, type ServiceProcess } from '../../support/service-process.js';

export type Role = 'ingest' | 'aggregator';

export interface Replica {
  readonly role: Role;
  readonly port: number;
  readonly url: string;
  /** The running process (replaced by restart()). */
  readonly process: ServiceProcess;
  /** SIGTERM, then waits for the exit (the service drains first); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Starts the process again on the same port (after stop()). */
  start(): Promise<void>;
}

export interface ReplicaOptions {
  /** Extra environment (e.g. METRICS_TZ). */
  env?: Record<string, string>;
  /** Replaces what follows `node` (service-process.ts), e.g. to preload a module. */
  nodeArgs?: readonly string[];
}

/** Starts one service process of `role` against the database `dbUrl` (the owner's URL, as createTestDatabase gives). */
export async function startReplica(role: Role, dbUrl: string, opts: ReplicaOptions = {}): Promise<Replica> {
  const port = await freePort();
  const env = {
    PORT: String(port),
    DATABASE_URL: asAppRole(dbUrl),
    DATABASE_MIGRATION_URL: dbUrl,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), `wa-topology-${role}-`)),
    INGEST_TOKENS: INGEST_TOKEN,
    ADMIN_TOKENS: ADMIN_TOKEN,
    ALERT_WEBHOOK_TOKENS: WEBHOOK_TOKEN,
    AGGREGATOR_MODE: role === 'ingest' ? 'off' : 'only',
    METRICS_TZ: 'UTC',
    ...opts.env,
  };
  const spawnOpts = opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {};
  let proc = await spawnService(env, spawnOpts);
  return {
    role,
    port,
    url: proc.url,
    get process() {
      return proc;
    },
    async stop() {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
      proc.kill('SIGTERM');
      const [code] = await proc.exited;
      return code;
    },
    async start() {
      proc = await spawnService(env, spawnOpts);
    },
  };
}
