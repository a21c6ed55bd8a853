/**
 * The projections (workshops, invitations, mechanics) as merges that do not depend on arrival order.
 * Each column group is a join-semilattice: the earliest value (min), the latest (max), or a register whose
 * value comes from the event with the greatest (or least) `(occurred_at, id)`. Merging is commutative,
 * associative and idempotent, so any order, batching or duplication of events gives the same rows.
 * This one spec drives both the in-batch reducer below and the SQL upsert (projection-sql.ts).
 */
import { isOwnerEmail } from '../catalogue/event-catalogue.js';
import { regionOf } from '../catalogue/regions.js';
import type { NormalizedEvent } from './event-schema.js';

export type SqlType = 'uuid' | 'text' | 'timestamptz' | 'float8' | 'int4';
export interface Column {
  readonly name: string;
  readonly type: SqlType;
}
export type Group =
  | { readonly kind: 'min'; readonly column: string }
  | { readonly kind: 'max'; readonly column: string }
  | {
      readonly kind: 'lww-max' | 'lww-min';
      readonly at: string;
      readonly id: string;
      readonly values: readonly string[];
    };

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

export interface ProjectionSpec {
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: readonly Column[];
  readonly groups: readonly Group[];
  /** The partial rows one event contributes (empty when it does not touch this projection). */
  contributions(e: NormalizedEvent): Row[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const WORKSHOPS: ProjectionSpec = {
  table: 'workshops',
  key: ['workshop_id'],
  columns: [
    { name: 'workshop_id', type: 'uuid' },
    { name: 'name', type: 'text' },
    { name: 'city', type: 'text' },
    { name: 'region', type: 'text' },
    { name: 'province', type: 'text' },
    { name: 'lat', type: 'float8' },
    { name: 'lon', type: 'float8' },
    { name: 'capacity', type: 'int4' },
    { name: 'owner_email', type: 'text' },
    { name: 'profile_at', type: 'timestamptz' },
    { name: 'profile_event_id', type: 'uuid' },
    { name: 'submitted_at', type: 'timestamptz' },
    { name: 'decided_at', type: 'timestamptz' },
    { name: 'approved_at', type: 'timestamptz' },
    { name: 'rejected_at', type: 'timestamptz' },
    { name: 'status_event', type: 'text' },
    { name: 'status_at', type: 'timestamptz' },
    { name: 'status_event_id', type: 'uuid' },
    { name: 'last_dashboard_access_at', type: 'timestamptz' },
    { name: 'profile_completeness', type: 'float8' },
    { name: 'profile_completeness_at', type: 'timestamptz' },
    { name: 'profile_completeness_event_id', type: 'uuid' },
  ],
  groups: [
    {
      kind: 'lww-max',
      at: 'profile_at',
      id: 'profile_event_id',
      values: ['name', 'city', 'region', 'province', 'lat', 'lon', 'capacity', 'owner_email'],
    },
    { kind: 'min', column: 'submitted_at' },
    { kind: 'min', column: 'decided_at' },
    { kind: 'min', column: 'approved_at' },
    { kind: 'min', column: 'rejected_at' },
    { kind: 'lww-max', at: 'status_at', id: 'status_event_id', values: ['status_event'] },
    { kind: 'max', column: 'last_dashboard_access_at' },
    {
      kind: 'lww-max',
      at: 'profile_completeness_at',
      id: 'profile_completeness_event_id',
      values: ['profile_completeness'],
    },
  ],
  contributions(e) {
    if (!e.workshopId) return [];
    const at = e.occurredAt;
    const status = { status_event: e.type, status_at: at, status_event_id: e.id };
    const m = e.metadata ?? {};
    switch (e.type) {
      case 'workshop_signup_success':
        return [
          {
            workshop_id: e.workshopId,
            submitted_at: at,
            profile_at: at,
            profile_event_id: e.id,
            name: str(m.name),
            city: str(m.city),
            // metadata.region, else the default mapping from the city (src/catalogue/regions.ts, docs/regions.md)
            region: regionOf(m),
            province: str(m.province),
            lat: num(m.lat),
            lon: num(m.lon),
            capacity: num(m.capacity),
            // validated at ingest; checked again because the log may hold events stored before that rule
            owner_email: isOwnerEmail(m.owner_email) ? m.owner_email : null,
          },
        ];
      case 'workshop_approved':
        return [{ workshop_id: e.workshopId, decided_at: at, approved_at: at, ...status }];
      case 'workshop_rejected':
        return [{ workshop_id: e.workshopId, decided_at: at, rejected_at: at }];
      case 'workshop_suspended':
      case 'workshop_reactivated':
        return [{ workshop_id: e.workshopId, ...status }];
      case 'workshop_dashboard_accessed':
        return [{ workshop_id: e.workshopId, last_dashboard_access_at: at }];
      case 'workshop_profile_updated': {
        const pc = num(m.profile_completeness);
        return pc === null
          ? []
          : [
              {
                workshop_id: e.workshopId,
                profile_completeness: pc,
                profile_completeness_at: at,
                profile_completeness_event_id: e.id,
              },
            ];
      }
      default:
        return [];
    }
  },
};

export const INVITATIONS: ProjectionSpec = {
  table: 'invitations',
  key: ['invite_id'],
  columns: [
    { name: 'invite_id', type: 'text' },
    { name: 'workshop_id', type: 'uuid' },
    { name: 'first_at', type: 'timestamptz' },
    { name: 'first_event_id', type: 'uuid' },
    { name: 'sent_at', type: 'timestamptz' },
    { name: 'viewed_at', type: 'timestamptz' },
    { name: 'expired_at', type: 'timestamptz' },
    { name: 'mechanic_id', type: 'uuid' },
    { name: 'accepted_at', type: 'timestamptz' },
    { name: 'accepted_event_id', type: 'uuid' },
  ],
  groups: [
    { kind: 'lww-min', at: 'first_at', id: 'first_event_id', values: ['workshop_id'] },
    { kind: 'min', column: 'sent_at' },
    { kind: 'min', column: 'viewed_at' },
    { kind: 'min', column: 'expired_at' },
    { kind: 'lww-min', at: 'accepted_at', id: 'accepted_event_id', values: ['mechanic_id'] },
  ],
  contributions(e) {
    if (e.category !== 'invitation' || !e.inviteId || !e.workshopId) return [];
    const row: Row = { invite_id: e.inviteId, workshop_id: e.workshopId, first_at: e.occurredAt, first_event_id: e.id };
    if (e.type === 'mechanic_invited') row.sent_at = e.occurredAt;
    if (e.type === 'mechanic_invite_viewed') row.viewed_at = e.occurredAt;
    if (e.type === 'mechanic_invite_expired') row.expired_at = e.occurredAt;
    if (e.type === 'mechanic_invite_accepted')
      Object.assign(row, { mechanic_id: e.mechanicId, accepted_at: e.occurredAt, accepted_event_id: e.id });
    return [row];
  },
};

export const MECHANICS: ProjectionSpec = {
  table: 'mechanics',
  key: ['workshop_id', 'mechanic_id'],
  columns: [
    { name: 'workshop_id', type: 'uuid' },
    { name: 'mechanic_id', type: 'uuid' },
    { name: 'joined_at', type: 'timestamptz' },
    { name: 'removed_at', type: 'timestamptz' },
    { name: 'last_event', type: 'text' },
    { name: 'last_event_at', type: 'timestamptz' },
    { name: 'last_event_id', type: 'uuid' },
  ],
  groups: [
    { kind: 'min', column: 'joined_at' },
    { kind: 'max', column: 'removed_at' },
    { kind: 'lww-max', at: 'last_event_at', id: 'last_event_id', values: ['last_event'] },
  ],
  contributions(e) {
    if (!e.workshopId || !e.mechanicId) return [];
    const last = { last_event: e.type, last_event_at: e.occurredAt, last_event_id: e.id };
    if (e.type === 'mechanic_invite_accepted')
      return [{ workshop_id: e.workshopId, mechanic_id: e.mechanicId, joined_at: e.occurredAt, ...last }];
    if (e.type === 'mechanic_removed')
      return [{ workshop_id: e.workshopId, mechanic_id: e.mechanicId, removed_at: e.occurredAt, ...last }];
    return [];
  },
};

export const PROJECTIONS: readonly ProjectionSpec[] = [WORKSHOPS, INVITATIONS, MECHANICS];

/** (at, id) ordering. Timestamps are ISO strings in one fixed format (UTC, milliseconds), uuids lowercase. */
function after(aAt: Cell, aId: Cell, bAt: Cell, bId: Cell): boolean {
  if (aAt === null || aAt === undefined) return false;
  if (bAt === null || bAt === undefined) return true;
  return aAt > bAt || (aAt === bAt && String(aId) > String(bId));
}

/** Merges `b` into `a` (mutating `a`) by the spec's groups. */
export function mergeRow(spec: ProjectionSpec, a: Row, b: Row): void {
  for (const g of spec.groups) {
    if (g.kind === 'min' || g.kind === 'max') {
      const x = a[g.column] ?? null;
      const y = b[g.column] ?? null;
      if (y !== null && (x === null || (g.kind === 'min' ? y < x : y > x))) a[g.column] = y;
      continue;
    }
    const bWins =
      g.kind === 'lww-max'
        ? after(b[g.at] ?? null, b[g.id] ?? null, a[g.at] ?? null, a[g.id] ?? null)
        : b[g.at] != null && (a[g.at] == null || after(a[g.at]!, a[g.id] ?? null, b[g.at]!, b[g.id] ?? null));
    if (bWins) for (const c of [g.at, g.id, ...g.values]) a[c] = b[c] ?? null;
  }
}

/** Accumulates events into one merged row per key of a spec; feed it in any number of chunks. */
export class ProjectionReducer {
  private readonly byKey = new Map<string, Row>();
  constructor(readonly spec: ProjectionSpec) {}

  add(events: Iterable<NormalizedEvent>): this {
    for (const e of events) {
      for (const part of this.spec.contributions(e)) {
        const k = this.spec.key.map((c) => part[c]).join('|');
        const cur = this.byKey.get(k);
        if (cur) mergeRow(this.spec, cur, part);
        else this.byKey.set(k, { ...part });
      }
    }
    return this;
  }

  /** The merged rows, one per key (upsertSql writes them in key order, the stable lock order). */
  rows(): Row[] {
    return [...this.byKey.values()];
  }
}
