/** A pool whose query() records text, values, time and row count — for per-query timings in benches. */
import type pg from 'pg';

export interface Call {
  text: string;
  values: unknown[] | undefined;
  ms: number;
  rows: number;
}

/** Stores only call pool.query, so intercepting it sees every statement. */
export function recordingPool(pool: pg.Pool, calls: Call[]): pg.Pool {
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return async (text: string, values?: unknown[]) => {
        const t = performance.now();
        const res = await target.query(text, values);
        calls.push({ text, values, ms: performance.now() - t, rows: res.rowCount ?? res.rows.length });
        return res;
      };
    },
  });
}
