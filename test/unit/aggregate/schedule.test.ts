/**
 * The cron schedule on a fake clock: node-cron reads time through the global Date and setTimeout, which
 * vi.useFakeTimers() replaces, so days of schedule pass in milliseconds and every firing is exact.
 * Expected instants are worked out by hand (time zone offsets included), not by the code under test.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aggregatorJobs, type AggregatorJobsDeps, JOB_NAMES } from '../../../src/aggregate/aggregator-jobs.js';
import { createAggregatorModule } from '../../../src/aggregate/aggregator-module.js';
import { startSchedule, type ScheduledJob } from '../../../src/aggregate/schedule.js';
import type { Pool } from '../../../src/db/pool.js';
import { createLogger } from '../../../src/logger.js';

type JobName = (typeof JOB_NAMES)[number];
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The real aggregator jobs over in-memory fakes that record what each firing did, and when. */
function recordingJobs(timeZone: string) {
  const fired: Array<{ job: string; scheduledFor: string; clock: string }> = [];
  const computed: string[] = [];
  const deps: AggregatorJobsDeps = {
    timeZone,
    jobs: {
      run: async (job, scheduledForMs, fn) => {
        fired.push({ job, scheduledFor: iso(scheduledForMs!), clock: iso(Date.now()) });
        await fn();
        return { outcome: 'success' };
      },
      prune: async () => 0,
      retakeable: async () => [], // no failed or expired firing to take again
    },
    aggregator: {
      compute: async (type, dates) => {
        computed.push(`${type} ${dates.join(' ')}`);
        return [];
      },
      missing: async () => [], // every row is stored
    },
    checks: { run: async () => ({}) },
    refresher: {
      refresh: async () => {
        fired.push({ job: 'gauge_refresh', scheduledFor: iso(Date.now()), clock: iso(Date.now()) });
        return true;
      },
    },
    report: () => {},
  };
  return { jobs: aggregatorJobs(deps), fired, computed };
}

/** recordingJobs with late days marked (kpi_dirty_days) and rows reported missing by the catch-up. */
function jobsWithLateDays(marked: string[], missing: Record<string, string[]> = {}) {
  const computed: string[] = [];
  const cleared: string[] = [];
  const fired: string[] = [];
  const deps: AggregatorJobsDeps = {
    timeZone: 'UTC',
    jobs: {
      run: async (job, scheduledForMs, fn) => {
        fired.push(`${job} ${scheduledForMs === null ? '-' : iso(scheduledForMs)}`);
        await fn();
        return { outcome: 'success' };
      },
      prune: async () => 0,
      retakeable: async () => [],
    },
    aggregator: {
      compute: async (type, dates) => {
        if (dates.length) computed.push(`${type} ${dates.join(' ')}`);
        return [];
      },
      missing: async (type, dates) => dates.filter((d) => (missing[type] ?? []).includes(d)),
    },
    checks: { run: async () => ({}) },
    refresher: { refresh: async () => true },
    report: () => {},
    lateDays: {
      read: async () => marked.map((day) => ({ day, marks: [day] })),
      clear: async (days) => void cleared.push(...days.map((d) => d.day)),
    },
  };
  return { jobs: aggregatorJobs(deps), computed, cleared, fired };
}

/** Runs the schedule on the fake clock from `from` to `to`, then stops it. */
async function runSchedule(jobs: readonly ScheduledJob[], timeZone: string, from: string, to: string) {
  vi.setSystemTime(Date.parse(from));
  const schedule = startSchedule(jobs, timeZone);
  await vi.advanceTimersByTimeAsync(Date.parse(to) - Date.parse(from));
  await schedule.stop();
}

/** A job whose runs the test ends by hand. */
function heldJob(cron = '* * * * *') {
  const started: string[] = [];
  const ends: Array<() => void> = [];
  let running = 0;
  let maxRunning = 0;
  const job: ScheduledJob = {
    name: 'held',
    cron,
    run: async (at) => {
      started.push(iso(at));
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise<void>((r) => ends.push(r));
      running--;
    },
  };
  return {
    job,
    started,
    get maxRunning() {
      return maxRunning;
    },
    get running() {
      return running;
    },
    finish: () => ends.splice(0).forEach((end) => end()),
  };
}

describe('each aggregator job fires at the times of its cron expression (METRICS_TZ=UTC), and only then', () => {
  it.each<[JobName, string, string, string[]]>([
    [
      'daily_metrics', // 01:00 every day
      '2026-11-20T00:30:00Z',
      '2026-11-23T00:30:00Z',
      ['2026-11-20T01:00:00.000Z', '2026-11-21T01:00:00.000Z', '2026-11-22T01:00:00.000Z'],
    ],
    [
      'weekly_metrics', // Monday 02:00 (2026-11-16, -23 and -30 are Mondays)
      '2026-11-15T12:00:00Z',
      '2026-12-01T00:00:00Z',
      ['2026-11-16T02:00:00.000Z', '2026-11-23T02:00:00.000Z', '2026-11-30T02:00:00.000Z'],
    ],
    [
      'monthly_metrics', // the 1st at 03:00
      '2026-10-15T00:00:00Z',
      '2027-01-01T02:59:00Z',
      ['2026-11-01T03:00:00.000Z', '2026-12-01T03:00:00.000Z'],
    ],
    [
      'hourly_checks', // every hour at :00
      '2026-11-21T09:30:00Z',
      '2026-11-21T12:30:00Z',
      ['2026-11-21T10:00:00.000Z', '2026-11-21T11:00:00.000Z', '2026-11-21T12:00:00.000Z'],
    ],
    [
      'gauge_refresh', // every minute
      '2026-11-21T09:00:30Z',
      '2026-11-21T09:03:30Z',
      ['2026-11-21T09:01:00.000Z', '2026-11-21T09:02:00.000Z', '2026-11-21T09:03:00.000Z'],
    ],
  ])('%s between %s and %s fires at %j', async (name, from, to, expected) => {
    const { jobs, fired } = recordingJobs('UTC');
    await runSchedule([jobs[name]], 'UTC', from, to);
    expect(fired.map((f) => f.job)).toEqual(expected.map(() => name));
    expect(fired.map((f) => f.scheduledFor)).toEqual(expected);
    expect(fired.map((f) => f.clock)).toEqual(expected); // on a fake clock, a firing is never late
  });

  it('the daily job computes the three days before its firing, and the weekly job the ISO week before', async () => {
    const { jobs, computed } = recordingJobs('UTC');
    await runSchedule([jobs.daily_metrics, jobs.weekly_metrics], 'UTC', '2026-11-22T12:00:00Z', '2026-11-23T12:00:00Z');
    // Monday 2026-11-23: daily at 01:00 (yesterday is Sunday the 22nd), weekly at 02:00 (the week of the 16th)
    expect(computed).toEqual(['daily 2026-11-20 2026-11-21 2026-11-22', 'weekly 2026-11-16']);
  });

  it('the monthly job computes the calendar month before its firing (January after December)', async () => {
    const { jobs, computed } = recordingJobs('UTC');
    await runSchedule([jobs.monthly_metrics], 'UTC', '2026-12-15T00:00:00Z', '2027-02-02T00:00:00Z');
    expect(computed).toEqual(['monthly 2026-12-01', 'monthly 2027-01-01']);
  });
});

describe('late days and the start-up catch-up include monthly rows', () => {
  it('the hourly job recomputes marked days, their ended weeks and their ended months (not the running ones)', async () => {
    const { jobs, computed, cleared } = jobsWithLateDays(['2026-10-30', '2026-11-20', '2026-11-24']);
    await jobs.hourly_checks.run(Date.parse('2026-11-25T10:00:00Z')); // a Wednesday in November
    expect(computed).toEqual([
      'daily 2026-10-30 2026-11-20 2026-11-24', // one scan: within 31 days
      'weekly 2026-10-26 2026-11-16', // the week of the 24th is still running
      'monthly 2026-10-01', // November is still running
    ]);
    expect(cleared).toEqual(['2026-10-30', '2026-11-20', '2026-11-24']);
  });

  it("catch-up runs the latest due monthly firing (the 1st, 03:00) and fills last month's row when missing", async () => {
    const { jobs, fired, computed } = jobsWithLateDays([], { monthly: ['2026-10-01'] });
    await jobs.catchUp(Date.parse('2026-11-03T12:00:00Z'));
    expect(fired).toContain('monthly_metrics 2026-11-01T03:00:00.000Z');
    expect(computed).toContain('monthly 2026-10-01');
    expect(computed.filter((c) => c.startsWith('monthly'))).toEqual(['monthly 2026-10-01', 'monthly 2026-10-01']);
  });

  it('catch-up before 03:00 on the 1st does not run that month’s firing yet', async () => {
    const { jobs, fired } = jobsWithLateDays([]);
    await jobs.catchUp(Date.parse('2026-11-01T02:00:00Z'));
    expect(fired.filter((f) => f.startsWith('monthly_metrics'))).toEqual([]);
  });
});

describe('with METRICS_TZ=America/Toronto, jobs fire at local times across daylight-saving changes', () => {
  it('spring forward (2026-03-08, 02:00 EST -> 03:00 EDT): daily at 01:00 local is 06:00Z before, 05:00Z after', async () => {
    const { jobs, fired, computed } = recordingJobs('America/Toronto');
    await runSchedule([jobs.daily_metrics], 'America/Toronto', '2026-03-06T12:00:00Z', '2026-03-10T12:00:00Z');
    expect(fired.map((f) => f.scheduledFor)).toEqual([
      '2026-03-07T06:00:00.000Z', // 01:00 EST (UTC-5)
      '2026-03-08T06:00:00.000Z', // 01:00 EST, an hour before the change
      '2026-03-09T05:00:00.000Z', // 01:00 EDT (UTC-4)
      '2026-03-10T05:00:00.000Z',
    ]);
    // each firing receives its scheduled time and computes the three local days before its local date
    expect(computed).toEqual([
      'daily 2026-03-04 2026-03-05 2026-03-06',
      'daily 2026-03-05 2026-03-06 2026-03-07',
      'daily 2026-03-06 2026-03-07 2026-03-08',
      'daily 2026-03-07 2026-03-08 2026-03-09',
    ]);
  });

  it('fall back (2026-11-01, 02:00 EDT -> 01:00 EST): daily fires once at the first 01:00 (05:00Z), then 06:00Z', async () => {
    const { jobs, fired, computed } = recordingJobs('America/Toronto');
    await runSchedule([jobs.daily_metrics], 'America/Toronto', '2026-10-30T12:00:00Z', '2026-11-03T12:00:00Z');
    expect(fired.map((f) => f.scheduledFor)).toEqual([
      '2026-10-31T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:00:00.000Z', // the first 01:00 (EDT); the second (EST, 06:00Z) does not fire again
      '2026-11-02T06:00:00.000Z', // 01:00 EST
      '2026-11-03T06:00:00.000Z',
    ]);
    expect(computed).toEqual([
      'daily 2026-10-28 2026-10-29 2026-10-30',
      'daily 2026-10-29 2026-10-30 2026-10-31',
      'daily 2026-10-30 2026-10-31 2026-11-01',
      'daily 2026-10-31 2026-11-01 2026-11-02',
    ]);
  });

  it('the weekly job fires on Monday 02:00 local on both sides of the fall-back change', async () => {
    const { jobs, fired, computed } = recordingJobs('America/Toronto');
    await runSchedule([jobs.weekly_metrics], 'America/Toronto', '2026-10-25T00:00:00Z', '2026-11-03T00:00:00Z');
    expect(fired.map((f) => f.scheduledFor)).toEqual([
      '2026-10-26T06:00:00.000Z', // Monday 02:00 EDT
      '2026-11-02T07:00:00.000Z', // Monday 02:00 EST
    ]);
    expect(computed).toEqual(['weekly 2026-10-19', 'weekly 2026-10-26']);
  });

  it('the monthly job fires on the 1st at 03:00 local (in EDT on 2026-10-01, EST from the change on 2026-11-01)', async () => {
    const { jobs, fired, computed } = recordingJobs('America/Toronto');
    await runSchedule([jobs.monthly_metrics], 'America/Toronto', '2026-09-25T00:00:00Z', '2026-12-02T00:00:00Z');
    expect(fired.map((f) => f.scheduledFor)).toEqual([
      '2026-10-01T07:00:00.000Z', // 03:00 EDT (UTC-4)
      '2026-11-01T08:00:00.000Z', // 03:00 EST (UTC-5): clocks went back from 02:00 EDT to 01:00 EST that night
      '2026-12-01T08:00:00.000Z', // 03:00 EST
    ]);
    expect(computed).toEqual(['monthly 2026-09-01', 'monthly 2026-10-01', 'monthly 2026-11-01']);
  });
});

describe('startSchedule', () => {
  it('never runs a job on top of itself: firings while it runs are skipped, the next one after it ends runs', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {}); // node-cron warns of each blocked firing
    const held = heldJob();
    vi.setSystemTime(Date.parse('2026-11-21T10:00:30Z'));
    const schedule = startSchedule([held.job], 'UTC');
    await vi.advanceTimersByTimeAsync(3 * MINUTE); // to 10:03:30; the 10:01 run is still going
    expect(held.started).toEqual(['2026-11-21T10:01:00.000Z']);
    held.finish();
    await vi.advanceTimersByTimeAsync(MINUTE); // to 10:04:30
    expect(held.started).toEqual(['2026-11-21T10:01:00.000Z', '2026-11-21T10:04:00.000Z']);
    expect(held.maxRunning).toBe(1);
    held.finish();
    await schedule.stop();
  });

  it('stop() waits for the running job, and no job starts after it', async () => {
    const held = heldJob();
    vi.setSystemTime(Date.parse('2026-11-21T10:00:30Z'));
    const schedule = startSchedule([held.job], 'UTC');
    await vi.advanceTimersByTimeAsync(MINUTE); // the 10:01 run starts
    expect(held.running).toBe(1);
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(stopped).toBe(false);
    held.finish();
    await stopping;
    expect(held.running).toBe(0);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(held.started).toEqual(['2026-11-21T10:01:00.000Z']);
  });

  it('a firing node-cron has begun when stop() is called does not start the job', async () => {
    const held = heldJob();
    vi.setSystemTime(Date.parse('2026-11-21T10:00:30Z'));
    const schedule = startSchedule([held.job], 'UTC');
    vi.advanceTimersToNextTimer(); // 10:01: node-cron's heartbeat runs, the job would start a few ticks later
    const stopping = schedule.stop();
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(held.started).toEqual([]);
    held.finish(); // (only needed if it had started)
    await stopping;
  });

  it('a job that fails is caught at the boundary and fires again at its next time', async () => {
    const attempts: string[] = [];
    const failing: ScheduledJob = {
      name: 'failing',
      cron: '* * * * *',
      run: async (at) => {
        attempts.push(iso(at));
        throw new Error('boom');
      },
    };
    await runSchedule([failing], 'UTC', '2026-11-21T10:00:30Z', '2026-11-21T10:02:30Z');
    expect(attempts).toEqual(['2026-11-21T10:01:00.000Z', '2026-11-21T10:02:00.000Z']);
  });
});

describe('AGGREGATOR_MODE decides which jobs the aggregator schedules', () => {
  /** A pool with no database behind it: job locks are never granted, gauge reads fail (and are counted). */
  const noDatabase = {
    query: async () => {
      throw new Error('no database in the unit tier');
    },
    connect: async () => ({ query: async () => ({ rows: [{ ok: false }], rowCount: 0 }), release: () => {} }),
  } as unknown as Pool;

  it.each<['inline' | 'only' | 'off', JobName[]]>([
    ['off', []], // an ingest replica: the database probe only (it reports no job run)
    // monthly_metrics: the start-up catch-up's firing of 2026-11-01 03:00 (its cron time is not in these two hours)
    ['only', ['daily_metrics', 'gauge_refresh', 'hourly_checks', 'monthly_metrics', 'weekly_metrics']],
    ['inline', ['daily_metrics', 'gauge_refresh', 'hourly_checks', 'monthly_metrics', 'weekly_metrics']],
  ])('%s: from Monday 00:30 to 02:30 UTC, the jobs that run are %j', async (mode, expected) => {
    const ran = new Set<string>();
    const module = createAggregatorModule(
      noDatabase,
      {
        metricsTimeZone: 'UTC',
        inviteTtlDays: 7,
        aggregatorMode: mode,
        beta: { start: '2026-03-15', end: '2026-05-15', targetMin: 3, targetMax: 5 },
      },
      {
        metrics: { kpiFailure: () => {}, gaugeRefreshFailure: () => {}, jobRun: (job) => ran.add(job) },
        log: createLogger('silent'),
        ingest: async () => ({ accepted: 0, duplicates: 0 }),
        adminTokens: ['unit-test-admin-token-0123456789'],
      },
    );
    vi.setSystemTime(Date.parse('2026-11-23T00:30:00Z')); // a Monday: every job is due within two hours
    const schedule = module.start();
    await vi.advanceTimersByTimeAsync(2 * 60 * MINUTE);
    await schedule.stop();
    expect([...ran].sort()).toEqual(expected);
  });
});
