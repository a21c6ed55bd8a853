import { describe, expect, it } from 'vitest';
import { startSchedule } from '../../../src/aggregate/schedule.js';

describe('startSchedule (node-cron)', () => {
  it('fires jobs with their scheduled time, never overlaps a job with itself, and stop() waits for a running job', async () => {
    const fired: number[] = [];
    let running = 0;
    let maxRunning = 0;
    let finished = 0;
    const schedule = startSchedule(
      [
        {
          name: 'slow',
          cron: '* * * * * *', // every second (node-cron's optional seconds field)
          run: async (at) => {
            fired.push(at);
            maxRunning = Math.max(maxRunning, ++running);
            await new Promise((r) => setTimeout(r, 1500)); // longer than the interval
            running--;
            finished++;
          },
        },
      ],
      'America/Toronto',
    );
    await new Promise((r) => setTimeout(r, 3200));
    await schedule.stop();
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired.length).toBeLessThanOrEqual(2);
    expect(maxRunning).toBe(1);
    expect(finished).toBe(fired.length);
    for (const at of fired) expect(at % 1000).toBe(0);
  }, 10_000);
});
