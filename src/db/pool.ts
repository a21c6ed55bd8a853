/** The PostgreSQL pool, and the classification of errors that mean "the database is unreachable". */
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(databaseUrl: string, max: number, onError: (err: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Prepared statements (the ingest flush) are planned for each execution's parameters, never with a generic
    // plan that cannot see how many rows the arrays hold.
    options: '-c plan_cache_mode=force_custom_plan',
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', onError);
  return pool;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

const CONNECTION_LOST = new RegExp(
  [
    'Connection terminated',
    'connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error',
  ].join('|'),
  'i',
);

/** True when the error means PostgreSQL cannot be reached (so the caller should answer 503 and retry later). */
export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_LOST.test(err.message);
}

/** True for errors a transaction may simply be retried after: deadlock, serialization failure. */
export function isRetryableError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === '40P01' || code === '40001';
}
