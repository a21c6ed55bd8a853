/**
 * Computes KPI rows for whole local days, ISO weeks or calendar months from the event log in one pass per source:
 * counts (one grouped scan, plus the invitations before the range), approval times (decisions in range),
 * invitation-to-signup times (acceptances in range), and states (one ordered sweep of lifecycle events). A failing
 * source is logged and counted; the others still land.
 */
import {
  approvalKpis,
  countKpis,
  inviteTimeKpis,
  SOURCE_COLUMNS,
  stateKpis,
  type KpiColumn,
  type KpiValues,
} from './kpi-definitions.js';
import type { DayTypeCount, KpiStore, MetricType, StoredKpiRow, Window } from './kpi-store.js';
import { addDays, daysOf } from './periods.js';
import { sweepStates } from './state-sweep.js';

/** The reads and writes the aggregator needs (KpiStore in production, an in-memory fake in unit tests). */
export type KpiAggregatorStore = Pick<
  KpiStore,
  | 'windows'
  | 'dayTypeCounts'
  | 'invitedBefore'
  | 'decisions'
  | 'inviteAcceptances'
  | 'lifecycleEvents'
  | 'upsert'
  | 'read'
>;

export interface AggregatorReporter {
  kpiFailure(source: string, err: unknown): void;
}

type Source = keyof typeof SOURCE_COLUMNS;

export class KpiAggregator {
  constructor(
    private readonly store: KpiAggregatorStore,
    private readonly tz: string,
    private readonly reporter: AggregatorReporter,
  ) {}

  /**
   * Computes and upserts the rows of `dates` (days, Mondays for weekly, first days of months for monthly);
   * returns the stored rows.
   */
  async compute(type: MetricType, dates: readonly string[]): Promise<StoredKpiRow[]> {
    if (dates.length === 0) return [];
    const windows = await this.store.windows(dates, type, this.tz);
    const start = Math.min(...windows.map((w) => w.startMs));
    const end = Math.max(...windows.map((w) => w.endMs));
    const values: KpiValues[] = windows.map(() => ({}));
    const ok: Source[] = [];
    const run = async (source: Source, fn: () => Promise<void>) => {
      try {
        await fn();
        ok.push(source);
      } catch (err) {
        this.reporter.kpiFailure(source, err);
      }
    };
    await run('counts', async () => {
      const byDay = new Map<string, DayTypeCount[]>();
      for (const r of await this.store.dayTypeCounts(start, end, this.tz))
        byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
      const invitedBeforeRange = await this.store.invitedBefore(start);
      // invitations from the range's start up to each window's end: every counted day before that end
      const invitedSince = (endDay: string) => {
        let n = 0;
        for (const [day, rows] of byDay) if (day < endDay) n += rows.find((r) => r.type === 'mechanic_invited')?.n ?? 0;
        return n;
      };
      windows.forEach((w, i) => {
        const days = daysOf(w.date, type);
        const endDay = addDays(days[days.length - 1]!, 1);
        const counts = {
          ...this.countsFor(w, type, byDay),
          invitedBeforeEnd: invitedBeforeRange + invitedSince(endDay),
        };
        Object.assign(values[i]!, countKpis(counts));
      });
    });
    await run('approvals', async () => {
      const decisions = await this.store.decisions(start, end);
      windows.forEach((w, i) =>
        Object.assign(
          values[i]!,
          approvalKpis(decisions.filter((d) => d.atMs >= w.startMs && d.atMs < w.endMs).map((d) => d.durationMs)),
        ),
      );
    });
    await run('invite_times', async () => {
      const accepted = await this.store.inviteAcceptances(start, end);
      windows.forEach((w, i) =>
        Object.assign(
          values[i]!,
          inviteTimeKpis(accepted.filter((a) => a.atMs >= w.startMs && a.atMs < w.endMs).map((a) => a.durationMs)),
        ),
      );
    });
    await run('states', async () => {
      const snaps = sweepStates(
        await this.store.lifecycleEvents(end),
        windows.map((w) => w.endMs),
      );
      snaps.forEach((s, i) => Object.assign(values[i]!, stateKpis(s)));
    });
    const columns: KpiColumn[] = ok.flatMap((s) => SOURCE_COLUMNS[s]);
    await this.store.upsert(
      type,
      this.tz,
      windows.map((window, i) => ({ window, values: values[i]! })),
      columns,
    );
    const rows = await this.store.read(type, windows[0]!.date, windows[windows.length - 1]!.date);
    const wanted = new Set(dates);
    return rows.filter((r) => wanted.has(r.metric_date));
  }

  /** Those of `dates` (days, Mondays for weekly, first days of months for monthly) that have no stored row. */
  async missing(type: MetricType, dates: readonly string[]): Promise<string[]> {
    if (dates.length === 0) return [];
    const sorted = [...dates].sort();
    const stored = new Set(
      (await this.store.read(type, sorted[0]!, sorted[sorted.length - 1]!)).map((r) => r.metric_date),
    );
    return sorted.filter((d) => !stored.has(d));
  }

  private countsFor(w: Window, type: MetricType, byDay: ReadonlyMap<string, readonly DayTypeCount[]>) {
    const byType = new Map<string, number>();
    let failures = 0;
    let total = 0;
    let revenueCents = 0;
    let pageLoadMs = 0;
    let ratingSum = 0;
    for (const r of daysOf(w.date, type).flatMap((d) => byDay.get(d) ?? [])) {
      byType.set(r.type, (byType.get(r.type) ?? 0) + r.n);
      failures += r.failures;
      total += r.n;
      revenueCents += r.revenueCents;
      if (r.type === 'page_viewed') pageLoadMs += r.durationMs;
      ratingSum += r.ratingSum;
    }
    return { byType, failures, total, revenueCents, pageLoadMs, ratingSum };
  }
}
