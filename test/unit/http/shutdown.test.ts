import { describe, expect, it } from 'vitest';
import { runShutdown } from '../../../src/http/shutdown.js';
import { createLogger } from '../../../src/logger.js';

const log = createLogger('silent');
const never = () => new Promise<void>(() => {});

describe('runShutdown', () => {
  it('when a step hangs, then it is cut short at its limit, reported, and the later steps still run within the total', async () => {
    const ran: string[] = [];
    const started = performance.now();
    const report = await runShutdown(
      [
        { name: 'drain', run: never, maxMs: 100 },
        { name: 'hangs past the total', run: never, reserveMs: 100 },
        { name: 'fails', run: () => Promise.reject(new Error('boom')) },
        { name: 'pool end', run: () => void ran.push('pool end') },
      ],
      { totalMs: 400, log },
    );
    const took = performance.now() - started;
    expect(ran).toEqual(['pool end']);
    expect(report.cut).toEqual(['drain', 'hangs past the total']);
    expect(report.failed.map((f) => f.step)).toEqual(['fails']);
    expect(took).toBeGreaterThanOrEqual(300); // 100 ms drain + 200 ms (400 left 300, 100 kept for later)
    expect(took).toBeLessThan(600);
  });

  it('when a step has its own timeout, then it is given the time left to it', async () => {
    const budgets: number[] = [];
    await runShutdown(
      [
        { name: 'drain', run: (ms) => void budgets.push(ms), maxMs: 15_000, reserveMs: 8_000 },
        { name: 'stop', run: (ms) => void budgets.push(ms) },
      ],
      { totalMs: 10_000, log },
    );
    expect(budgets[0]).toBeLessThanOrEqual(2_000);
    expect(budgets[0]).toBeGreaterThan(1_900);
    expect(budgets[1]).toBeGreaterThan(9_900);
  });
});
