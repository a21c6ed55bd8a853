/**
 * The cron schedule (node-cron): fires jobs at their times in METRICS_TZ; a job never overlaps itself.
 * node-cron reads the clock through the global Date and setTimeout, so tests drive it with fake timers.
 */
import cron, { type ScheduledTask } from 'node-cron';

export interface ScheduledJob {
  name: string;
  /** Cron expression (minute hour day month weekday). */
  cron: string;
  /** Called with the firing's scheduled time (ms). Must not throw (the runner catches). */
  run(scheduledForMs: number): Promise<void>;
}

export interface Schedule {
  /** Stops firing and waits for the jobs that are running; no job starts once stop() has been called. */
  stop(): Promise<void>;
}

export function startSchedule(jobs: readonly ScheduledJob[], timeZone: string): Schedule {
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.cron,
      async (ctx) => {
        if (stopped) return; // node-cron may still be on its way to a firing that began before stop()
        const p = job.run(ctx.date.getTime()).catch(() => {});
        inFlight.add(p);
        await p;
        inFlight.delete(p);
      },
      { timezone: timeZone, name: job.name, noOverlap: true },
    ),
  );
  return {
    async stop() {
      stopped = true;
      // destroy(): stop, and leave node-cron's process-wide task registry
      await Promise.all(tasks.map((t) => t.destroy()));
      await Promise.all(inFlight);
    },
  };
}
