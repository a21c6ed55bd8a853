/**
 * An in-memory KpiAggregatorStore: events in an array, KPI rows in a map. It answers each read the way
 * src/aggregate/kpi-store.ts's SQL does (local-midnight windows, [start, end) ranges, (occurred_at, id) order,
 * only `columns` written on conflict), so KpiAggregator can be tested without PostgreSQL.
 */
import type { KpiAggregatorStore } from '../../../src/aggregate/kpi-aggregator.js';
import { KPI_COLUMNS, type KpiColumn, type KpiValues } from '../../../src/aggregate/kpi-definitions.js';
import type { DayTypeCount, MetricType, StoredKpiRow, Window } from '../../../src/aggregate/kpi-store.js';
import type { LifecycleEvent } from '../../../src/aggregate/state-sweep.js';

const DAY = 86_400_000;

/** One row of workshop_events, as far as the KPI reads look at it. */
export interface FakeEvent {
  id: string;
  type: string;
  atMs: number;
  workshopId?: string | null;
  mechanicId?: string | null;
  /** Default true. */
  success?: boolean;
  revenueCents?: number | null;
  durationMs?: number | null;
  /** metadata.rating of session_rated. */
  rating?: number | null;
  /** The invite_id column (metadata.invite_id). */
  inviteId?: string | null;
}

type Method = keyof KpiAggregatorStore;

/** UTC offset of `tz` at `atMs`, in ms (local wall time minus UTC). */
function offsetMs(atMs: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(atMs / 1000) * 1000;
}

/** The instant of local midnight starting `date` (YYYY-MM-DD) in `tz`. */
export function localMidnightMs(date: string, tz: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  const guess = wall - offsetMs(wall, tz);
  return wall - offsetMs(guess, tz);
}

/** The local calendar date of `atMs` in `tz`. */
export function localDay(atMs: number, tz: string): string {
  return new Date(atMs + offsetMs(atMs, tz)).toISOString().slice(0, 10);
}

const nextDate = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

const nextMonth = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
};

const LIFECYCLE = new Set([
  'workshop_signup_success',
  'workshop_approved',
  'workshop_rejected',
  'workshop_suspended',
  'workshop_reactivated',
  'mechanic_invite_accepted',
  'mechanic_removed',
]);

export class FakeKpiStore implements KpiAggregatorStore {
  readonly events: FakeEvent[] = [];
  readonly rows = new Map<string, StoredKpiRow>();
  /** Every call, in order, with its arguments. */
  readonly calls: Array<{ method: Method; args: unknown[] }> = [];
  /** Methods that throw (to test a failing source). */
  readonly failing = new Set<Method>();
  /** computed_at of the next upsert. */
  now = Date.parse('2030-01-01T00:00:00Z');

  constructor(events: readonly FakeEvent[] = []) {
    this.events.push(...events);
  }

  private enter(method: Method, args: unknown[]) {
    this.calls.push({ method, args });
    if (this.failing.has(method)) throw new Error(`fake ${method} failure`);
  }

  async windows(dates: readonly string[], type: MetricType, tz: string): Promise<Window[]> {
    this.enter('windows', [dates, type, tz]);
    const next = (date: string) => (type === 'monthly' ? nextMonth(date) : nextDate(date, type === 'daily' ? 1 : 7));
    return [...dates].sort().map((date) => ({
      date,
      startMs: localMidnightMs(date, tz),
      endMs: localMidnightMs(next(date), tz),
    }));
  }

  async dayTypeCounts(startMs: number, endMs: number, tz: string): Promise<DayTypeCount[]> {
    this.enter('dayTypeCounts', [startMs, endMs, tz]);
    const groups = new Map<string, DayTypeCount>();
    for (const e of this.events) {
      if (e.atMs < startMs || e.atMs >= endMs) continue;
      const day = localDay(e.atMs, tz);
      const key = `${day}|${e.type}`;
      const g = groups.get(key) ?? {
        day,
        type: e.type,
        n: 0,
        failures: 0,
        revenueCents: 0,
        durationMs: 0,
        ratingSum: 0,
      };
      g.n++;
      if (e.success === false) g.failures++;
      g.revenueCents += e.revenueCents ?? 0;
      g.durationMs += e.durationMs ?? 0;
      if (e.type === 'session_rated') g.ratingSum += e.rating ?? 0;
      groups.set(key, g);
    }
    return [...groups.values()];
  }

  async decisions(startMs: number, endMs: number): Promise<Array<{ atMs: number; durationMs: number }>> {
    this.enter('decisions', [startMs, endMs]);
    // workshops.submitted_at: the earliest signup success of the workshop, whenever it arrived
    const submitted = new Map<string, number>();
    for (const e of this.events)
      if (e.type === 'workshop_signup_success' && e.workshopId)
        submitted.set(e.workshopId, Math.min(submitted.get(e.workshopId) ?? Infinity, e.atMs));
    return this.events
      .filter(
        (e) =>
          (e.type === 'workshop_approved' || e.type === 'workshop_rejected') &&
          e.atMs >= startMs &&
          e.atMs < endMs &&
          e.workshopId &&
          submitted.has(e.workshopId),
      )
      .map((e) => ({ atMs: e.atMs, durationMs: e.atMs - submitted.get(e.workshopId!)! }));
  }

  async invitedBefore(endMs: number): Promise<number> {
    this.enter('invitedBefore', [endMs]);
    return this.events.filter((e) => e.type === 'mechanic_invited' && e.atMs < endMs).length;
  }

  async inviteAcceptances(startMs: number, endMs: number): Promise<Array<{ atMs: number; durationMs: number }>> {
    this.enter('inviteAcceptances', [startMs, endMs]);
    // invitations.sent_at: the earliest mechanic_invited of the invite id, whenever it arrived
    const sent = new Map<string, number>();
    for (const e of this.events)
      if (e.type === 'mechanic_invited' && e.inviteId)
        sent.set(e.inviteId, Math.min(sent.get(e.inviteId) ?? Infinity, e.atMs));
    return this.events
      .filter(
        (e) =>
          e.type === 'mechanic_invite_accepted' &&
          e.atMs >= startMs &&
          e.atMs < endMs &&
          e.inviteId &&
          sent.has(e.inviteId),
      )
      .map((e) => ({ atMs: e.atMs, durationMs: e.atMs - sent.get(e.inviteId!)! }));
  }

  async lifecycleEvents(endMs: number): Promise<LifecycleEvent[]> {
    this.enter('lifecycleEvents', [endMs]);
    return this.events
      .filter((e) => LIFECYCLE.has(e.type) && e.atMs < endMs && e.workshopId)
      .sort((a, b) => a.atMs - b.atMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((e) => ({ type: e.type, workshopId: e.workshopId!, mechanicId: e.mechanicId ?? null, atMs: e.atMs }));
  }

  async upsert(
    type: MetricType,
    tz: string,
    rows: ReadonlyArray<{ window: Window; values: KpiValues }>,
    columns: readonly KpiColumn[],
  ): Promise<void> {
    this.enter('upsert', [type, tz, rows, columns]);
    for (const { window, values } of rows) {
      const key = `${type}|${window.date}`;
      const blank = Object.fromEntries(KPI_COLUMNS.map((c) => [c, null])) as KpiValues;
      const row: StoredKpiRow = {
        ...blank,
        ...this.rows.get(key),
        metric_date: window.date,
        metric_type: type,
        window_start: new Date(window.startMs).toISOString(),
        window_end: new Date(window.endMs).toISOString(),
        time_zone: tz,
        computed_at: new Date(this.now).toISOString(),
      };
      for (const c of columns) row[c] = values[c] ?? null;
      this.rows.set(key, row);
    }
  }

  async read(type: MetricType, from: string, to: string): Promise<StoredKpiRow[]> {
    this.enter('read', [type, from, to]);
    return [...this.rows.values()]
      .filter((r) => r.metric_type === type && r.metric_date >= from && r.metric_date <= to)
      .sort((a, b) => (a.metric_date < b.metric_date ? -1 : 1))
      .map((r) => ({ ...r }));
  }

  /** Method names called so far, in order. */
  methodsCalled(): Method[] {
    return this.calls.map((c) => c.method);
  }
}
