/** The cron schedule (node-cron): fires jobs at their times in METRICS_TZ; a job never overlaps itself. */
import cron, { type ScheduledTask } from 'node-cron';

export interface ScheduledJob {
  name: string;
  /** Cron expression (minute hour day month weekday). */
  cron: string;
  /** Called with the firing's scheduled time (ms). Must not throw (the runner catches). */
  run(scheduledForMs: number): Promise<void>;
}

export interface Schedule {
  stop(): Promise<void>;
}

export function startSchedule(jobs: readonly ScheduledJob[], timeZone: string): Schedule {
  const inFlight = new Set<Promise<void>>();
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.cron,
      async (ctx) => {
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
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.all(inFlight);
    },
  };
}
