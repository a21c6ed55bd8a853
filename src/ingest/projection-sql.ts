/**
 * SQL for the projection upserts, generated from the projection specs: rows go in as one array parameter
 * per column (unnest), and ON CONFLICT merges them into the stored row with the same semilattice rules as
 * the in-memory reducer, so batches merge in any order.
 */
import type { Group, ProjectionSpec, Row } from './projection-spec.js';

export interface SqlStatement {
  text: string;
  values: unknown[];
}

function setClauses(g: Group): string[] {
  if (g.kind === 'min') return [`${g.column} = LEAST(t.${g.column}, excluded.${g.column})`];
  if (g.kind === 'max') return [`${g.column} = GREATEST(t.${g.column}, excluded.${g.column})`];
  const op = g.kind === 'lww-max' ? '>' : '<';
  const wins = `excluded.${g.at} IS NOT NULL AND (t.${g.at} IS NULL OR (excluded.${g.at}, excluded.${g.id}) ${op} (t.${g.at}, t.${g.id}))`;
  return [g.at, g.id, ...g.values].map((c) => `${c} = CASE WHEN ${wins} THEN excluded.${c} ELSE t.${c} END`);
}

/** One INSERT ... ON CONFLICT DO UPDATE for `rows` (already merged per key), parameters from $1. */
export function upsertStatement(spec: ProjectionSpec, rows: readonly Row[]): SqlStatement {
  const cols = spec.columns;
  const names = cols.map((c) => c.name).join(', ');
  const arrays = cols.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const sets = spec.groups.flatMap(setClauses).join(',\n  ');
  return {
    text:
      `INSERT INTO ${spec.table} AS t (${names})\n` +
      `SELECT * FROM unnest(${arrays}) AS u(${names})\n` +
      `ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET\n  ${sets}`,
    values: cols.map((c) => rows.map((r) => r[c.name] ?? null)),
  };
}
