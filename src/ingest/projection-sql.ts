/**
 * SQL for the projection upserts, generated from the projection specs: rows go in as one array parameter
 * per column (unnest), and ON CONFLICT merges them into the stored row with the same semilattice rules as
 * the in-memory reducer, so batches merge in any order.
 */
import type { NormalizedEvent } from './event-schema.js';
import type { Cell, Group, ProjectionSpec, Row } from './projection-spec.js';

export interface SqlStatement {
  text: string;
  values: unknown[];
}

function setClauses(g: Group): string[] {
  if (g.kind === 'min') return [`${g.column} = LEAST(t.${g.column}, excluded.${g.column})`];
  if (g.kind === 'max') return [`${g.column} = GREATEST(t.${g.column}, excluded.${g.column})`];
  const op = g.kind === 'lww-max' ? '>' : '<';
  const newer = `(excluded.${g.at}, excluded.${g.id}) ${op} (t.${g.at}, t.${g.id})`;
  const wins = `excluded.${g.at} IS NOT NULL AND (t.${g.at} IS NULL OR ${newer})`;
  return [g.at, g.id, ...g.values].map((c) => `${c} = CASE WHEN ${wins} THEN excluded.${c} ELSE t.${c} END`);
}

/**
 * One INSERT ... ON CONFLICT DO UPDATE of rows already merged per key (so no key twice), parameters from
 * `$firstParam`, one array per column (upsertValues). Rows are upserted in key order, a stable lock order.
 */
export function upsertSql(spec: ProjectionSpec, firstParam = 1): string {
  const names = spec.columns.map((c) => c.name).join(', ');
  const arrays = spec.columns.map((c, i) => `$${firstParam + i}::${c.type}[]`).join(', ');
  const sets = spec.groups.flatMap(setClauses).join(',\n  ');
  const key = spec.key.join(', ');
  return (
    `INSERT INTO ${spec.table} AS t (${names})\n` +
    `SELECT * FROM unnest(${arrays}) AS u(${names}) ORDER BY ${key}\n` +
    `ON CONFLICT (${key}) DO UPDATE SET\n  ${sets}`
  );
}

/** The parameters of upsertSql for `rows`: an array per column. */
export function upsertValues(spec: ProjectionSpec, rows: readonly Row[]): Cell[][] {
  return spec.columns.map((c) => rows.map((r) => r[c.name] ?? null));
}

/** upsertSql with its parameters from $1. */
export function upsertStatement(spec: ProjectionSpec, rows: readonly Row[]): SqlStatement {
  return { text: upsertSql(spec), values: upsertValues(spec, rows) };
}

/** Name of the source event id column of contribution rows (must not clash with a projection column). */
export const CONTRIBUTION_EVENT_ID = 'contribution_event_id';

/** The per-row aggregate that merges one column of a group of contributions, per the spec's groups. */
function mergeAggregates(spec: ProjectionSpec): Map<string, string> {
  const out = new Map<string, string>(spec.key.map((k) => [k, `c.${k}`]));
  for (const g of spec.groups) {
    if (g.kind === 'min' || g.kind === 'max') {
      out.set(g.column, `${g.kind}(c.${g.column})`);
      continue;
    }
    // The register's value comes from the contribution with the greatest (lww-max) or least (lww-min)
    // (at, id); contributions without `at` do not take part.
    const dir = g.kind === 'lww-max' ? 'DESC' : 'ASC';
    for (const c of [g.at, g.id, ...g.values]) {
      out.set(
        c,
        `(array_agg(c.${c} ORDER BY c.${g.at} ${dir}, c.${g.id} ${dir}) FILTER (WHERE c.${g.at} IS NOT NULL))[1]`,
      );
    }
  }
  const missing = spec.columns.filter((c) => !out.has(c.name)).map((c) => c.name);
  if (missing.length) throw new Error(`${spec.table}: columns in no key or group: ${missing.join(', ')}`);
  if (spec.columns.some((c) => c.name === CONTRIBUTION_EVENT_ID))
    throw new Error(`${spec.table}: column name ${CONTRIBUTION_EVENT_ID} is reserved`);
  return out;
}

/**
 * An INSERT ... ON CONFLICT DO UPDATE (to use as a data-modifying CTE) fed by unmerged per-event
 * contribution rows, given as one array parameter per column from `$firstParam`: the source event id, then
 * the spec's columns (see contributionValues). Only contributions whose event id is returned by the CTE
 * `insertedCte` (column `id`) count, so an event that was already stored never touches the projection.
 * They are merged per key within the statement with aggregates equivalent to mergeRow, in key order (a
 * stable lock order), then merged into the stored row like upsertStatement.
 */
export function contributionUpsertSql(spec: ProjectionSpec, firstParam: number, insertedCte: string): string {
  const aggs = mergeAggregates(spec);
  const cols = spec.columns;
  const names = cols.map((c) => c.name).join(', ');
  const arrays = [`$${firstParam}::uuid[]`, ...cols.map((c, i) => `$${firstParam + 1 + i}::${c.type}[]`)].join(', ');
  const key = spec.key.map((k) => `c.${k}`).join(', ');
  const sets = spec.groups.flatMap(setClauses).join(',\n    ');
  return (
    `INSERT INTO ${spec.table} AS t (${names})\n` +
    `  SELECT ${cols.map((c) => aggs.get(c.name)!).join(',\n    ')}\n` +
    `  FROM unnest(${arrays}) AS c(${CONTRIBUTION_EVENT_ID}, ${names})\n` +
    `  JOIN ${insertedCte} ON ${insertedCte}.id = c.${CONTRIBUTION_EVENT_ID}\n` +
    `  GROUP BY ${key} ORDER BY ${key}\n` +
    `  ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET\n    ${sets}`
  );
}

/** Parameter count of contributionUpsertSql for `spec`. */
export function contributionParamCount(spec: ProjectionSpec): number {
  return spec.columns.length + 1;
}

/** The parameters of contributionUpsertSql: every contribution of `events`, unmerged, with its event id. */
export function contributionValues(spec: ProjectionSpec, events: readonly NormalizedEvent[]): Cell[][] {
  const cols: Cell[][] = [[], ...spec.columns.map(() => [])];
  for (const e of events) {
    for (const part of spec.contributions(e)) {
      cols[0]!.push(e.id);
      spec.columns.forEach((c, i) => cols[i + 1]!.push(part[c.name] ?? null));
    }
  }
  return cols;
}
