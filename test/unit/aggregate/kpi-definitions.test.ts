import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  approvalKpis,
  countKpis,
  KPI_COLUMNS,
  percent,
  SOURCE_COLUMNS,
  stateKpis,
  type WindowCounts,
} from '../../../src/aggregate/kpi-definitions.js';

const HOUR = 3_600_000;

/** round(p / q) to 2 decimals, half away from zero, exactly (BigInt), for integers p >= 0, q > 0. */
function round2(p: bigint, q: bigint): number {
  return Number((2n * 100n * p + q) / (2n * q)) / 100;
}

const counts = (byType: Record<string, number>, extra: Partial<WindowCounts> = {}): WindowCounts => ({
  byType: new Map(Object.entries(byType)),
  failures: 0,
  total: Object.values(byType).reduce((s, n) => s + n, 0),
  revenueCents: 0,
  pageLoadMs: 0,
  ratingSum: 0,
  invitedBeforeEnd: 0,
  ...extra,
});

describe('percent', () => {
  it.each([
    [1, 3, 33.33],
    [2, 3, 66.67],
    [1, 8, 12.5],
    [0, 5, 0],
    [5, 5, 100],
    [7, 4, 175],
  ])('%i of %i is %d%%', (a, b, expected) => {
    expect(percent(a, b)).toBe(expected);
  });

  it('rounds an exact half of a hundredth away from zero: 1/32 = 3.125% is 3.13, 3/32 = 9.375% is 9.38', () => {
    expect(percent(1, 32)).toBe(3.13);
    expect(percent(3, 32)).toBe(9.38);
    expect(percent(1, 4000)).toBe(0.03); // 0.025
    expect(percent(1, 80_000)).toBe(0); // 0.00125
  });

  it('when the denominator is 0, then the rate is null (not 0, not NaN)', () => {
    expect(percent(0, 0)).toBeNull();
    expect(percent(3, 0)).toBeNull();
  });

  it('equals the exact BigInt calculation for any counts', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 }), (a, b) => {
        expect(percent(a, b)).toBe(round2(100n * BigInt(a), BigInt(b)));
      }),
    );
  });
});

describe('countKpis', () => {
  it('when the window is empty, then every count is 0 and every rate is null', () => {
    const k = countKpis(counts({}));
    expect(k).toMatchObject({
      signups_started: 0,
      invites_sent: 0,
      emails_sent: 0,
      sessions_completed: 0,
      revenue_cents: 0,
      api_errors: 0,
      signup_conversion_rate: null,
      invite_acceptance_rate: null,
      email_success_rate: null,
      api_success_rate: null,
    });
  });

  it('computes the funnel, invitation and email columns and rates from the counts by type', () => {
    const k = countKpis(
      counts(
        {
          workshop_signup_started: 8,
          workshop_signup_success: 3,
          workshop_signup_failed: 2,
          workshop_approved: 2,
          workshop_rejected: 1,
          mechanic_invited: 7,
          mechanic_invite_accepted: 2,
          mechanic_invite_expired: 4,
          email_approval_sent: 2,
          email_rejection_sent: 1,
          email_invite_sent: 6,
          email_approval_failed: 1,
          email_invite_failed: 2,
          workshop_dashboard_accessed: 5,
          workshop_profile_updated: 1,
          session_completed: 3,
          workshop_signup_step_1: 6,
        },
        { failures: 5, revenueCents: 123_456, invitedBeforeEnd: 40 },
      ),
    );
    expect(k).toEqual({
      signups_started: 8,
      signups_completed: 3,
      signups_failed: 2,
      signup_conversion_rate: 37.5, // 3 / 8
      applications_approved: 2,
      applications_rejected: 1,
      invites_sent: 7,
      invites_accepted: 2,
      invites_expired: 4,
      invite_acceptance_rate: 28.57, // 2 / 7 = 28.571…
      emails_sent: 9, // 2 + 1 + 6
      emails_failed: 3, // 1 + 0 + 2
      email_success_rate: 75, // 9 / 12
      emails_approval_sent: 2,
      emails_approval_failed: 1,
      emails_rejection_sent: 1,
      emails_rejection_failed: 0,
      emails_invite_sent: 6,
      emails_invite_failed: 2,
      dashboard_logins: 5,
      profile_updates: 1,
      sessions_completed: 3,
      revenue_cents: 123_456,
      api_errors: 5,
      api_success_rate: 91.07, // 56 events, 5 failed: 51 / 56 = 91.071…
      signups_step_1: 6,
      signups_step_2: 0,
      signups_step_3: 0,
      signups_submitted: 0,
      applications_viewed: 0,
      approval_rate: 66.67, // 2 / (2 + 1)
      total_mechanics_invited: 40,
      avg_page_load_ms: null,
      avg_satisfaction: null,
    });
  });

  it('page load is the mean duration_ms of page views, an integer rounded half away from zero (2500.5 is 2501)', () => {
    expect(countKpis(counts({ page_viewed: 2 }, { pageLoadMs: 5001 })).avg_page_load_ms).toBe(2501);
    expect(countKpis(counts({ page_viewed: 3 }, { pageLoadMs: 1000 })).avg_page_load_ms).toBe(333);
  });

  it('satisfaction is the mean rating of the window, 2 decimals half away from zero (1/8 more: 4.125 is 4.13)', () => {
    expect(countKpis(counts({ session_rated: 8 }, { ratingSum: 33 })).avg_satisfaction).toBe(4.13);
    expect(countKpis(counts({ session_rated: 3 }, { ratingSum: 14 })).avg_satisfaction).toBe(4.67);
  });

  it('approval rate is approvals of all decisions; null without a decision', () => {
    expect(countKpis(counts({ workshop_rejected: 2 })).approval_rate).toBe(0);
    expect(countKpis(counts({ workshop_signup_started: 2 })).approval_rate).toBeNull();
  });

  it('when every invitation expired, then acceptance is 0% (not null)', () => {
    const k = countKpis(counts({ mechanic_invited: 4, mechanic_invite_expired: 4 }));
    expect(k.invite_acceptance_rate).toBe(0);
  });

  it('when every email failed, then email success is 0%; when none was sent or failed, it is null', () => {
    expect(countKpis(counts({ email_invite_failed: 3 })).email_success_rate).toBe(0);
    expect(countKpis(counts({ workshop_signup_started: 1 })).email_success_rate).toBeNull();
  });

  it('fills exactly the columns of the counts source', () => {
    expect(Object.keys(countKpis(counts({}))).sort()).toEqual([...SOURCE_COLUMNS.counts].sort());
  });
});

describe('approvalKpis', () => {
  it('when nothing was decided, then average and median are null', () => {
    expect(approvalKpis([])).toEqual({ avg_approval_time_hours: null, median_approval_time_hours: null });
  });

  it('an odd count takes the middle value as the median; the average rounds to 2 decimals', () => {
    // 1 h, 2 h, 4 h: average 7/3 = 2.333… h, median 2 h
    expect(approvalKpis([4 * HOUR, HOUR, 2 * HOUR])).toEqual({
      avg_approval_time_hours: 2.33,
      median_approval_time_hours: 2,
    });
  });

  it('an even count takes the mean of the two middle values as the median', () => {
    // 1 h, 2 h, 3 h, 10 h: average 4 h, median 2.5 h
    expect(approvalKpis([10 * HOUR, HOUR, 3 * HOUR, 2 * HOUR])).toEqual({
      avg_approval_time_hours: 4,
      median_approval_time_hours: 2.5,
    });
  });

  it('rounds half a hundredth of an hour (18 s) away from zero', () => {
    expect(approvalKpis([18_000])).toEqual({ avg_approval_time_hours: 0.01, median_approval_time_hours: 0.01 });
    // median of 0 and 36 s is 18 s; average is 18 s
    expect(approvalKpis([0, 36_000])).toEqual({ avg_approval_time_hours: 0.01, median_approval_time_hours: 0.01 });
    expect(approvalKpis([17_999])).toEqual({ avg_approval_time_hours: 0, median_approval_time_hours: 0 });
  });

  // A decision timestamped before the workshop's first signup success (clock skew between services) gives a
  // negative duration; its exact halves round away from zero too (Math.round alone would take -0.015 h to -0.01).
  it('a negative approval time rounds its exact halves away from zero too (-54 s is -0.02 h)', () => {
    expect(approvalKpis([-54_000])).toEqual({ avg_approval_time_hours: -0.02, median_approval_time_hours: -0.02 });
    expect(approvalKpis([-18_000])).toEqual({ avg_approval_time_hours: -0.01, median_approval_time_hours: -0.01 });
    expect(approvalKpis([-17_999])).toEqual({ avg_approval_time_hours: 0, median_approval_time_hours: 0 });
  });

  it("leaves the caller's array as it was", () => {
    const durations = [3 * HOUR, HOUR, 2 * HOUR];
    approvalKpis(durations);
    expect(durations).toEqual([3 * HOUR, HOUR, 2 * HOUR]);
  });

  it('equals the exact BigInt calculation, whatever the order of the durations', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 60 * 24 * HOUR }), { minLength: 1, maxLength: 50 }), (durations) => {
        const sorted = durations.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const n = sorted.length;
        const sum = sorted.reduce((s, x) => s + x, 0n);
        const median =
          n % 2 === 1
            ? round2(sorted[(n - 1) / 2]!, BigInt(HOUR))
            : round2(sorted[n / 2 - 1]! + sorted[n / 2]!, 2n * BigInt(HOUR));
        expect(approvalKpis(durations)).toEqual({
          avg_approval_time_hours: round2(sum, BigInt(n) * BigInt(HOUR)),
          median_approval_time_hours: median,
        });
      }),
    );
  });
});

describe('stateKpis', () => {
  it('reports the snapshot, pending twice (applications and workshops), and mechanics per active workshop', () => {
    expect(
      stateKpis({ pending: 4, active: 3, suspended: 1, withMechanics: 2, mechanicsActive: 5, over3Mechanics: 0 }),
    ).toEqual({
      applications_pending: 4,
      pending_workshops: 4,
      active_workshops: 3,
      suspended_workshops: 1,
      workshops_with_mechanics: 2,
      total_mechanics_active: 5,
      avg_mechanics_per_workshop: 1.67, // 5 / 3
      workshops_over_3_mechanics: 0,
      pct_workshops_with_mechanics: 66.67, // 2 / 3
    });
  });

  it('counts workshops with more than 3 mechanics, and the share of active workshops with any (null when none)', () => {
    const s = stateKpis({
      pending: 0,
      active: 8,
      suspended: 0,
      withMechanics: 1,
      mechanicsActive: 4,
      over3Mechanics: 1,
    });
    expect(s).toMatchObject({ workshops_over_3_mechanics: 1, pct_workshops_with_mechanics: 12.5 });
    const none = stateKpis({
      pending: 0,
      active: 0,
      suspended: 0,
      withMechanics: 0,
      mechanicsActive: 0,
      over3Mechanics: 0,
    });
    expect(none.pct_workshops_with_mechanics).toBeNull();
  });

  it('rounds mechanics per workshop half away from zero (1 / 8 = 0.125 is 0.13)', () => {
    const s = stateKpis({
      pending: 0,
      active: 8,
      suspended: 0,
      withMechanics: 1,
      mechanicsActive: 1,
      over3Mechanics: 0,
    });
    expect(s.avg_mechanics_per_workshop).toBe(0.13);
  });

  it('when no workshop is active, then mechanics per workshop is null', () => {
    const s = stateKpis({
      pending: 2,
      active: 0,
      suspended: 3,
      withMechanics: 0,
      mechanicsActive: 0,
      over3Mechanics: 0,
    });
    expect(s.avg_mechanics_per_workshop).toBeNull();
    expect(s.active_workshops).toBe(0);
  });

  it('fills exactly the columns of the states source', () => {
    const s = stateKpis({
      pending: 0,
      active: 0,
      suspended: 0,
      withMechanics: 0,
      mechanicsActive: 0,
      over3Mechanics: 0,
    });
    expect(Object.keys(s).sort()).toEqual([...SOURCE_COLUMNS.states].sort());
  });
});

describe('SOURCE_COLUMNS', () => {
  it('every KPI column is filled by exactly one source, so a failing source leaves only its own columns', () => {
    const all = [
      ...SOURCE_COLUMNS.counts,
      ...SOURCE_COLUMNS.approvals,
      ...SOURCE_COLUMNS.invite_times,
      ...SOURCE_COLUMNS.states,
    ];
    expect([...all].sort()).toEqual([...KPI_COLUMNS].sort());
    expect(new Set(all).size).toBe(all.length);
  });
});
