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

/**
 * The reads a refresh makes (GaugeStore over PostgreSQL; an in-memory fake in unit tests). Without `snapshot` and
 * `changes`, every refresh reads every workshop.
 */
export type GaugeReads = Pick<GaugeStore, GaugeSource> & Partial<Pick<GaugeStore, 'snapshot' | 'changes'>>;

/** What a refresh reads besides the changed workshops (GaugeRefresher). */
export interface ReadPolicy {
  /**
   * Each incremental read also reads the next of this many slices of the known workshops (by position in the
   * snapshot): with one refresh a minute, every workshop is read again within `resyncSlices` minutes even if a write
   * bypassed workshop_changes (SQL by hand). 0: none.
   */
  resyncSlices: number;
  /** Read every workshop when the last successful read is older than this (ms): its marks may have been pruned. */
  maxGapMs: number;
}

/** Every workshop read again within the hour; marks are kept two hours (the hourly job: PRUNE_CHANGES_AFTER_MS). */
export const READ_POLICY: ReadPolicy = { resyncSlices: 60, maxGapMs: 3_600_000 };
export const PRUNE_CHANGES_AFTER_MS = 2 * 3_600_000;

/** Where the workshop rows of the snapshot were read from: the state of the next incremental read. */
interface Cursor {
  /** The snapshot the last read started after (GaugeStore.snapshot / changes). */
  snapshot: string;
  /** The `nowMs` the rows were read at. */
  nowMs: number;
  /** Wall clock of the last read. */
  readAtMs: number;
}

/** How the last workshops read went (for logs, tests and the bench). */
export interface WorkshopsRead {
  kind: 'full' | 'changes';
  /** Rows read from PostgreSQL. */
  rows: number;
}

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
  private cursor: Cursor | undefined;
  private lastRead: WorkshopsRead | undefined;
  /** Incremental reads so far: which resync slice is next. */
  private slices = 0;

  constructor(
    private readonly store: GaugeReads,
    private readonly onFailure: (source: GaugeSource, err: unknown) => void,
    private readonly policy: ReadPolicy = READ_POLICY,
  ) {}

  /** How the last successful workshops read went; undefined before the first. */
  get lastWorkshopsRead(): WorkshopsRead | undefined {
    return this.lastRead;
  }

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
        () => this.readWorkshops(nowMs),
        (read) => {
          next.workshops = withHealth(read.rows, this.current.workshops, nowMs);
          this.cursor = read.cursor;
          this.lastRead = { kind: read.kind, rows: read.read };
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

  /**
   * The workshop rows at `nowMs`. A full read (the first, after a gap of ReadPolicy.maxGapMs without a successful
   * read, when `nowMs` went back, or when a mark says every workshop changed) reads every workshop. Otherwise only
   * the workshops GaugeStore.changes names, and this minute's resync slice, are read and merged into the previous
   * rows. Either way the snapshot is taken before the reads, so the next call finds every write they may have missed.
   */
  private async readWorkshops(nowMs: number) {
    const c = this.cursor;
    const wall = Date.now();
    const incremental =
      c !== undefined &&
      this.store.changes !== undefined &&
      nowMs >= c.nowMs &&
      wall - c.readAtMs < this.policy.maxGapMs;
    const changes = incremental ? await this.store.changes!(c.snapshot, c.nowMs, nowMs) : undefined;
    if (changes === undefined || changes.all) {
      const snapshot = changes?.snapshot ?? (await this.store.snapshot?.()) ?? '';
      const rows = await this.store.workshops(nowMs);
      return { kind: 'full' as const, rows, read: rows.length, cursor: { snapshot, nowMs, readAtMs: wall } };
    }
    const ids = new Set(changes.ids);
    const n = this.policy.resyncSlices;
    if (n > 0) {
      const previous = this.current.workshops;
      const slice = this.slices++ % n;
      for (let i = slice; i < previous.length; i += n) ids.add(previous[i]!.workshopId);
    }
    const fresh = ids.size === 0 ? [] : await this.store.workshops(nowMs, [...ids]);
    const rows = merge(this.current.workshops, ids, fresh);
    return {
      kind: 'changes' as const,
      rows,
      read: fresh.length,
      cursor: { snapshot: changes.snapshot, nowMs, readAtMs: wall },
    };
  }
}

/**
 * The previous rows (ordered by workshop_id) without those of `changed`, merged with `fresh` (the changed workshops
 * that still exist, ordered by workshop_id). UUIDs in canonical lower-case text compare as PostgreSQL orders them.
 */
function merge(
  previous: readonly WorkshopRow[],
  changed: ReadonlySet<string>,
  fresh: readonly WorkshopRow[],
): WorkshopRow[] {
  const out: WorkshopRow[] = [];
  let j = 0;
  for (const p of previous) {
    if (changed.has(p.workshopId)) continue;
    while (j < fresh.length && fresh[j]!.workshopId < p.workshopId) out.push(fresh[j++]!);
    out.push(p);
  }
  while (j < fresh.length) out.push(fresh[j++]!);
  return out;
}

/**
 * Each row with its health score at `nowMs` (active workshops). A row kept from the previous snapshot whose score
 * and status are unchanged stays the same object, so what renders it can tell it has not changed.
 */
function withHealth(
  rows: readonly WorkshopRow[],
  previous: readonly WorkshopGauges[],
  nowMs: number,
): WorkshopGauges[] {
  const kept = new Set<WorkshopRow>(previous);
  return rows.map((w) => {
    const health = w.status === 'active' ? healthScoreValue(inputsOf(w), nowMs) : null;
    if (kept.has(w)) {
      const g = w as WorkshopGauges;
      if (g.health?.score === health?.score && g.health?.status === health?.status) return g;
    }
    return { ...w, health };
  });
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
