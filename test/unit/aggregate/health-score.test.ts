import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { healthScore, healthScoreValue, type HealthInputs } from '../../../src/aggregate/health-score.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const base: HealthInputs = {
  mechanicsActive: 6,
  mechanicsJoined: 7,
  capacity: 10,
  profileCompleteness: 95,
  invitesSent30d: 5,
  invitesAccepted30d: 4,
  invitesResolved30d: 5,
  lastLoginMs: NOW - 2 * 3_600_000,
  sessions30d: 45,
  revenue30dCents: 345_000,
  revenuePrev30dCents: 300_000,
};

describe('healthScore', () => {
  it("scores the plan's Toronto Auto Specialists example by the documented weights", () => {
    // capacity 6/10 = .6 (20), retention 6/7 (15), profile .95 (10), invites .8 (15), login 2 h ago = 1 (20),
    // sessions 45 >= 20 = 1 (10), revenue +15% = .5 + .075 = .575 (10)
    const expected = Math.round(20 * 0.6 + 15 * (6 / 7) + 10 * 0.95 + 15 * 0.8 + 20 + 10 + 10 * 0.575);
    const h = healthScore(base, NOW);
    expect(h.score).toBe(expected); // 82
    expect(h.status).toBe('healthy');
  });

  it('leaves out factors without data and re-weights the rest', () => {
    const h = healthScore(
      {
        ...base,
        capacity: null,
        profileCompleteness: null,
        invitesSent30d: 0,
        invitesAccepted30d: 0,
        invitesResolved30d: 0,
        revenue30dCents: 0,
        revenuePrev30dCents: 0,
      },
      NOW,
    );
    // retention 6/7 (15), login 1 (20), sessions 1 (10) over 45
    expect(h.score).toBe(Math.round((100 * (15 * (6 / 7) + 20 + 10)) / 45));
    expect(h.factors.filter((f) => f.score === null).map((f) => f.name)).toEqual([
      'capacity_utilization',
      'profile_completeness',
      'invite_acceptance',
      'revenue_trend',
    ]);
  });

  it('login recency falls linearly from 1 day to 0 at 14 days, and a never-seen workshop scores 0 there', () => {
    const login = (ms: number | null) =>
      healthScore({ ...base, lastLoginMs: ms }, NOW).factors.find((f) => f.name === 'login_recency')!.score;
    expect(login(NOW - DAY)).toBe(1);
    expect(login(NOW - 7.5 * DAY)).toBeCloseTo(0.5, 10);
    expect(login(NOW - 14 * DAY)).toBe(0);
    expect(login(NOW - 30 * DAY)).toBe(0);
    expect(login(null)).toBe(0);
  });

  it('revenue trend: flat .5, doubled 1, halved .25, from nothing 1', () => {
    const trend = (cur: number, prev: number) =>
      healthScore({ ...base, revenue30dCents: cur, revenuePrev30dCents: prev }, NOW).factors.find(
        (f) => f.name === 'revenue_trend',
      )!.score;
    expect(trend(100, 100)).toBe(0.5);
    expect(trend(200, 100)).toBe(1);
    expect(trend(50, 100)).toBe(0.25);
    expect(trend(0, 100)).toBe(0);
    expect(trend(100, 0)).toBe(1);
  });

  it('status bands: >= 75 healthy, >= 50 at risk, else critical', () => {
    const only = (login: number) =>
      healthScore(
        {
          ...base,
          capacity: null,
          mechanicsJoined: 0,
          profileCompleteness: null,
          invitesSent30d: 0,
          invitesResolved30d: 0,
          revenue30dCents: 0,
          revenuePrev30dCents: 0,
          sessions30d: 0,
          lastLoginMs: NOW - login * DAY,
        },
        NOW,
      );
    // login (20) and sessions 0 (10): score = 100 * 20 * s / 30
    expect(only(1).score).toBe(67);
    expect(only(1).status).toBe('at_risk');
    expect(only(14).status).toBe('critical');
  });

  it('invite acceptance counts resolved invitations only: 6 sent an hour ago leave the factor out, not at 0', () => {
    const factor = (h: Partial<HealthInputs>) =>
      healthScore({ ...base, ...h }, NOW).factors.find((f) => f.name === 'invite_acceptance')!;
    expect(factor({ invitesSent30d: 6, invitesResolved30d: 0, invitesAccepted30d: 0 }).score).toBeNull();
    // 8 sent, 4 resolved (2 accepted, 2 expired or past the TTL), 4 still open: 2 / 4
    expect(factor({ invitesSent30d: 8, invitesResolved30d: 4, invitesAccepted30d: 2 }).score).toBe(0.5);
  });
});

describe('healthScoreValue', () => {
  it("is healthScore's score and status, without the factors", () => {
    const count = fc.integer({ min: 0, max: 40 });
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          mechanicsActive: count,
          mechanicsJoined: count,
          capacity: opt(count),
          profileCompleteness: opt(fc.double({ min: 0, max: 100, noNaN: true })),
          invitesSent30d: count,
          invitesAccepted30d: count,
          invitesResolved30d: count,
          lastLoginMs: opt(fc.integer({ min: 0, max: 60 * 86_400_000 })),
          sessions30d: count,
          revenue30dCents: fc.integer({ min: 0, max: 10_000_000 }),
          revenuePrev30dCents: fc.integer({ min: 0, max: 10_000_000 }),
        }),
        (h) => {
          const now = 61 * 86_400_000;
          const { score, status } = healthScore(h, now);
          expect(healthScoreValue(h, now)).toEqual({ score, status });
        },
      ),
      { numRuns: 500 },
    );
  });
});
