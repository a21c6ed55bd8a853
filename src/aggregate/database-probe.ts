/**
 * The database probe: a `SELECT 1` every 15 s on every replica, independent of traffic and of the KPI jobs,
 * exported as workshop_database_up (1/0) so WorkshopAnalyticsDatabaseDown can page when this process cannot
 * reach PostgreSQL. A probe that has not answered within the timeout counts as down.
 */
import type { ScheduledJob } from './schedule.js';

/** What the probe calls (GaugeStore.ping over the pool; a fake in unit tests). */
export interface DatabasePing {
  ping(): Promise<void>;
}

export const PROBE_CRON = '*/15 * * * * *';
export const PROBE_TIMEOUT_MS = 5_000;

export class DatabaseProbe {
  private state: boolean | null = null;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly db: DatabasePing,
    private readonly timeoutMs = PROBE_TIMEOUT_MS,
  ) {
    if (!(timeoutMs > 0)) throw new RangeError(`DatabaseProbe: timeoutMs must be > 0, got ${timeoutMs}`);
  }

  /** The last probe's result; null until a probe has answered. */
  get up(): boolean | null {
    return this.state;
  }

  /** Probes now (joining a probe in flight); never throws. */
  probe(): Promise<boolean> {
    this.inFlight ??= this.once().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** The probe as a scheduled job (every 15 s; the schedule never overlaps it). */
  job(): ScheduledJob {
    return {
      name: 'database_probe',
      cron: PROBE_CRON,
      run: async () => {
        await this.probe();
      },
    };
  }

  private async once(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
      timer.unref();
    });
    const ping = this.db.ping().then(
      () => true,
      () => false,
    );
    try {
      this.state = await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.state;
  }
}
