/**
 * The PostgreSQL pool, and the classification of errors that mean "the database cannot take this now" (unreachable,
 * read-only, disk full).
 */
import pg from 'pg';
import { unavailable, type AppError } from '../errors.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Default bound on any one statement of the pool (ingest flushes take milliseconds; KPI scans seconds at most). */
export const STATEMENT_TIMEOUT_MS = 30_000;

export function createPool(
  databaseUrl: string,
  max: number,
  onError: (err: Error) => void,
  opts: { statementTimeoutMs?: number } = {},
): pg.Pool {
  const statementTimeoutMs = opts.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Prepared statements (the ingest flush) are planned for each execution's parameters, never with a generic
    // plan that cannot see how many rows the arrays hold. No statement waits forever (a lock held elsewhere, a
    // runaway scan): past statement_timeout it fails with 57014, which ingest answers with 503 (nothing stored).
    options: `-c plan_cache_mode=force_custom_plan -c statement_timeout=${statementTimeoutMs}`,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  // A client whose query failed is not reused: pool.query() releases it with the error, which destroys it, so a
  // connection to a demoted primary (read-only for good) is replaced by a fresh one on the next query.
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
  // read-only transaction (25006): a standby, e.g. the old primary after a failover; disk full (53100)
  '25006',
  '53100',
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

/**
 * True when PostgreSQL cannot be reached or cannot write now — refused or lost connections, shutting down, too
 * many connections, read-only (25006), disk full (53100) — so the caller should answer 503 and retry later.
 */
export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_LOST.test(err.message);
}

/**
 * The answer to an API request whose query failed because PostgreSQL cannot be reached or cannot write now
 * (isUnavailableError) or gave up waiting (isTimeoutError): 503 database_unavailable, Retry-After 5 (nothing was
 * changed; retry later) — never the 500 of a defect. Undefined for any other error. The composition root hands it
 * to the HTTP layer's error handler, so every admin API answers a database outage the same way.
 */
export function databaseErrorAnswer(err: unknown): AppError | undefined {
  return isUnavailableError(err) || isTimeoutError(err)
    ? unavailable('the database is unavailable; nothing was changed, retry later', 5)
    : undefined;
}

/**
 * True when PostgreSQL gave up waiting: statement_timeout (57014 query_canceled) or lock_timeout (55P03
 * lock_not_available). The statement was rolled back; trying again later may succeed.
 */
export function isTimeoutError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === '57014' || code === '55P03';
}

/** True for errors a transaction may simply be retried after: deadlock, serialization failure. */
export function isRetryableError(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === '40P01' || code === '40001';
}
