/**
 * Keeps the live KPI snapshot that /metrics exports as gauges. Refreshed from PostgreSQL (so values
 * survive restarts and read the same on every replica). Each source refreshes on its own: one failing
 * keeps its previous values and is counted, the others still update.
 */
import type { GaugeStore, JobRow, RollingCounts, WorkshopRow } from './gauge-store.js';
import { healthScore, type HealthScore } from './health-score.js';

export interface WorkshopGauges extends WorkshopRow {
  /** Health score of an active workshop; null for others. */
  health: HealthScore | null;
}

export interface GaugeSnapshot {
  workshops: readonly WorkshopGauges[];
  rolling: RollingCounts | null;
  jobs: readonly JobRow[];
  /** When the last refresh finished (ms), and how long it took. */
  refreshedAtMs: number | null;
  refreshSeconds: number | null;
}

export type GaugeSource = 'workshops' | 'rolling' | 'jobs';

export class GaugeRefresher {
  private current: GaugeSnapshot = {
    workshops: [],
    rolling: null,
    jobs: [],
    refreshedAtMs: null,
    refreshSeconds: null,
  };
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: GaugeStore,
    private readonly onFailure: (source: GaugeSource, err: unknown) => void,
  ) {}

  get snapshot(): GaugeSnapshot {
    return this.current;
  }

  /** Refreshes every source; concurrent calls share one run. */
  refresh(nowMs = Date.now()): Promise<void> {
    this.running ??= this.run(nowMs).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(nowMs: number): Promise<void> {
    const started = performance.now();
    const next = { ...this.current };
    const attempt = async <T>(source: GaugeSource, fn: () => Promise<T>, apply: (v: T) => void) => {
      try {
        apply(await fn());
      } catch (err) {
        this.onFailure(source, err);
      }
    };
    await Promise.all([
      attempt(
        'workshops',
        () => this.store.workshops(nowMs),
        (rows) => {
          next.workshops = rows.map((w) => ({
            ...w,
            health: w.status === 'active' ? healthScore(inputsOf(w), nowMs) : null,
          }));
        },
      ),
      attempt(
        'rolling',
        () => this.store.rolling(nowMs),
        (r) => (next.rolling = r),
      ),
      attempt(
        'jobs',
        () => this.store.jobs(),
        (j) => (next.jobs = j),
      ),
    ]);
    next.refreshedAtMs = Date.now();
    next.refreshSeconds = (performance.now() - started) / 1000;
    this.current = next;
  }
}

export function inputsOf(w: WorkshopRow) {
  return {
    mechanicsActive: w.mechanicsActive,
    mechanicsJoined: w.mechanicsJoined,
    capacity: w.capacity,
    profileCompleteness: w.profileCompleteness,
    invitesSent30d: w.invitesSent30d,
    invitesAccepted30d: w.invitesAccepted30d,
    lastLoginMs: w.lastDashboardAccessMs,
    sessions30d: w.sessions30d,
    revenue30dCents: w.revenue30dCents,
    revenuePrev30dCents: w.revenuePrev30dCents,
  };
}
