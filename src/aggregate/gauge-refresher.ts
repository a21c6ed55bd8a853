/**
 * Keeps the live KPI snapshot that /metrics exports as gauges. Refreshed from PostgreSQL (so values
 * survive restarts and read the same on every replica). Each source refreshes on its own: one failing
 * keeps its previous values and is counted, the others still update. The refresh counts as successful
 * (refreshedAtMs, exported as gauge_refresh's last success) only when every source succeeded.
 */
import type { GaugeStore, JobRow, RollingCounts, WorkshopRow } from './gauge-store.js';
import { healthScoreValue, type HealthScore } from './health-score.js';

export interface WorkshopGauges extends WorkshopRow {
  /** Health score and status of an active workshop (the factors: GET /api/workshops/:id/health); null for others. */
  health: Omit<HealthScore, 'factors'> | null;
}

export interface GaugeSnapshot {
  workshops: readonly WorkshopGauges[];
  rolling: RollingCounts | null;
  jobs: readonly JobRow[];
  /** Whether the jobs source has been read at least once (until then, no job's last success is known). */
  jobsRead: boolean;
  /**
   * When the last successful refresh finished (ms), and how long it took. A refresh is successful only when every
   * source succeeded; null until one has.
   */
  refreshedAtMs: number | null;
  refreshSeconds: number | null;
}

export type GaugeSource = 'workshops' | 'rolling' | 'jobs';

/** The reads a refresh makes (GaugeStore over PostgreSQL; an in-memory fake in unit tests). */
export type GaugeReads = Pick<GaugeStore, GaugeSource>;

export class GaugeRefresher {
  private current: GaugeSnapshot = {
    workshops: [],
    rolling: null,
    jobs: [],
    jobsRead: false,
    refreshedAtMs: null,
    refreshSeconds: null,
  };
  /** The run in flight, if any. */
  private running: Promise<boolean> | undefined;
  /** The one run queued behind it, shared by every caller that arrived while it was in flight. */
  private queued: Promise<boolean> | undefined;
  private queuedNowMs: number | undefined;

  constructor(
    private readonly store: GaugeReads,
    private readonly onFailure: (source: GaugeSource, err: unknown) => void,
  ) {}

  get snapshot(): GaugeSnapshot {
    return this.current;
  }

  /**
   * Refreshes every source from a run that starts after this call, so it reads every write that committed
   * before the call. When no run is in flight, one starts now. When one is, the call waits for it and then
   * for one follow-up run, which every call made meanwhile shares. Runs never overlap.
   * `nowMs` (default: the clock when the run starts) is the instant the rolling windows end at; callers that
   * share a follow-up run share the latest `nowMs` given. Resolves to whether that run succeeded: every source.
   */
  refresh(nowMs?: number): Promise<boolean> {
    if (this.queued === undefined && this.running === undefined) return this.start(nowMs);
    if (nowMs !== undefined) this.queuedNowMs = nowMs;
    if (this.queued === undefined) {
      const startQueued = () => {
        const at = this.queuedNowMs;
        this.queued = this.queuedNowMs = undefined;
        return this.start(at);
      };
      this.queued = this.running!.then(startQueued, startQueued);
    }
    return this.queued;
  }

  private start(nowMs: number | undefined): Promise<boolean> {
    const run = this.run(nowMs ?? Date.now()).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async run(nowMs: number): Promise<boolean> {
    const started = performance.now();
    const next = { ...this.current };
    let failed = false;
    const attempt = async <T>(source: GaugeSource, fn: () => Promise<T>, apply: (v: T) => void) => {
      try {
        apply(await fn());
      } catch (err) {
        failed = true;
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
            health: w.status === 'active' ? healthScoreValue(inputsOf(w), nowMs) : null,
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
        (j) => {
          next.jobs = j;
          next.jobsRead = true;
        },
      ),
    ]);
    if (!failed) {
      next.refreshedAtMs = Date.now();
      next.refreshSeconds = (performance.now() - started) / 1000;
    }
    this.current = next;
    return !failed;
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
    invitesResolved30d: w.invitesResolved30d,
    lastLoginMs: w.lastDashboardAccessMs,
    sessions30d: w.sessions30d,
    revenue30dCents: w.revenue30dCents,
    revenuePrev30dCents: w.revenuePrev30dCents,
  };
}
