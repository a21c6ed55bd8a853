import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlertChecks, CHECK_TYPES, expiryEventId } from '../../../src/aggregate/alert-checks.js';
import { FakeGaugeStore, workshopRow } from '../../support/fakes/fake-gauge-store.js';
import { FakeIngest } from '../../support/fakes/fake-ingest.js';
import { FakeInviteStore, type FakeInvitation } from '../../support/fakes/fake-invite-store.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TTL_DAYS = 7;

function setup(rows: Parameters<typeof workshopRow>[0][] = [], invitations: FakeInvitation[] = []) {
  const gauges = new FakeGaugeStore(rows.map(workshopRow));
  const invites = new FakeInviteStore(invitations);
  const ingest = new FakeIngest();
  ingest.onStored = (events) => invites.project(events);
  const checks = new AlertChecks(gauges, invites, ingest.ingest, TTL_DAYS);
  return { gauges, invites, ingest, checks };
}
const ids = (items: Array<Record<string, unknown>> | undefined) => items?.map((i) => i.workshop_id);
const pending = (workshopId: string, submittedAgoMs: number | null) => ({
  workshopId,
  status: 'pending' as const,
  submittedAtMs: submittedAgoMs === null ? null : NOW - submittedAgoMs,
});

describe('AlertChecks: stuck applications', () => {
  it('when an application has been pending more than 48 h, then it is stuck, with its hours to 1 decimal', async () => {
    const { checks } = setup([
      { ...pending('w-stuck', 49 * HOUR + 8 * 60_000), name: 'Toronto Auto', city: 'Toronto' },
      pending('w-exactly-48h', 48 * HOUR),
      pending('w-fresh', HOUR),
    ]);
    const r = await checks.run(NOW, 'stuck_applications');
    expect(r).toEqual({
      stuck_applications: {
        triggered: true,
        count: 1,
        threshold: 48,
        items: [{ workshop_id: 'w-stuck', name: 'Toronto Auto', city: 'Toronto', pending_hours: 49.1 }], // 49.133…
      },
    });
  });

  it('one millisecond past 48 h is stuck; a pending workshop without a submission time is not', async () => {
    const { checks } = setup([pending('w-just', 48 * HOUR + 1), pending('w-unknown', null)]);
    const r = await checks.run(NOW, 'stuck_applications');
    expect(ids(r.stuck_applications?.items)).toEqual(['w-just']);
  });

  it('active, suspended and rejected workshops are never stuck, however old their submission', async () => {
    const old = NOW - 30 * DAY;
    const { checks } = setup(
      (['active', 'suspended', 'rejected'] as const).map((status) => ({
        workshopId: `w-${status}`,
        status,
        submittedAtMs: old,
      })),
    );
    expect((await checks.run(NOW, 'stuck_applications')).stuck_applications).toEqual({
      triggered: false,
      count: 0,
      threshold: 48,
      items: [],
    });
  });
});

describe('AlertChecks: approval backlog', () => {
  const pendingN = (n: number) => Array.from({ length: n }, (_, i) => pending(`w-${i}`, HOUR));

  it('5 pending applications are not a backlog; 6 are', async () => {
    const five = await setup(pendingN(5)).checks.run(NOW, 'approval_backlog');
    expect(five.approval_backlog).toMatchObject({ triggered: false, count: 5, threshold: 5 });
    const six = await setup(pendingN(6)).checks.run(NOW, 'approval_backlog');
    expect(six.approval_backlog).toMatchObject({ triggered: true, count: 6, threshold: 5 });
    expect(six.approval_backlog?.items[0]).toEqual({ workshop_id: 'w-0', name: 'Shop w-0', city: 'Toronto' });
  });
});

describe('AlertChecks: inactive workshops', () => {
  it('an active workshop without dashboard access for more than 14 days is inactive, with the days to 1 decimal', async () => {
    const { checks } = setup([
      { workshopId: 'w-15d', lastDashboardAccessMs: NOW - 15 * DAY - 6 * HOUR, approvedAtMs: NOW - 60 * DAY },
      { workshopId: 'w-14d', lastDashboardAccessMs: NOW - 14 * DAY, approvedAtMs: NOW - 60 * DAY },
      { workshopId: 'w-1d', lastDashboardAccessMs: NOW - DAY, approvedAtMs: NOW - 60 * DAY },
    ]);
    const r = (await checks.run(NOW, 'inactive_workshops')).inactive_workshops;
    expect(r).toEqual({
      triggered: true,
      count: 1,
      threshold: 14,
      items: [
        {
          workshop_id: 'w-15d',
          name: 'Shop w-15d',
          city: 'Toronto',
          days_since_dashboard_access: 15.3, // 15.25 days
          never_accessed: false,
        },
      ],
    });
  });

  it('a workshop that never opened its dashboard counts from its approval, and is marked never_accessed', async () => {
    const { checks } = setup([
      { workshopId: 'w-never-old', approvedAtMs: NOW - 20 * DAY },
      { workshopId: 'w-never-new', approvedAtMs: NOW - 3 * DAY },
      { workshopId: 'w-no-times' }, // neither access nor approval time: nothing to measure from
    ]);
    const r = (await checks.run(NOW, 'inactive_workshops')).inactive_workshops;
    expect(r?.items).toEqual([
      {
        workshop_id: 'w-never-old',
        name: 'Shop w-never-old',
        city: 'Toronto',
        days_since_dashboard_access: 20,
        never_accessed: true,
      },
    ]);
  });

  it('when an inactive workshop invited a mechanic within 14 days, then it is not inactive (no logins AND no invites)', async () => {
    const old = { lastDashboardAccessMs: NOW - 30 * DAY, approvedAtMs: NOW - 60 * DAY };
    const { checks } = setup([
      { workshopId: 'w-invited-13d', ...old, lastInviteMs: NOW - 13 * DAY },
      { workshopId: 'w-invited-15d', ...old, lastInviteMs: NOW - 15 * DAY },
    ]);
    const r = (await checks.run(NOW, 'inactive_workshops')).inactive_workshops;
    expect(r?.items.map((i) => i.workshop_id)).toEqual(['w-invited-15d']);
  });

  it('suspended and pending workshops are not checked for inactivity', async () => {
    const { checks } = setup([
      { workshopId: 'w-s', status: 'suspended', lastDashboardAccessMs: NOW - 90 * DAY },
      { workshopId: 'w-p', status: 'pending', approvedAtMs: null, submittedAtMs: NOW - 90 * DAY },
    ]);
    expect((await checks.run(NOW, 'inactive_workshops')).inactive_workshops).toMatchObject({
      triggered: false,
      count: 0,
    });
  });
});

describe('AlertChecks: low invite acceptance', () => {
  /** Every invitation resolved unless `resolved` says otherwise. */
  const active = (workshopId: string, sent: number, accepted: number, resolved = sent) => ({
    workshopId,
    lastDashboardAccessMs: NOW,
    invitesSent30d: sent,
    invitesAccepted30d: accepted,
    invitesResolved30d: resolved,
  });

  it('flags an active workshop with at least 5 invitations in 30 days and under 50% accepted', async () => {
    const { checks } = setup([
      active('w-40', 5, 2),
      active('w-50', 10, 5),
      active('w-few', 4, 0),
      active('w-29', 7, 2),
    ]);
    const r = (await checks.run(NOW, 'low_invite_acceptance')).low_invite_acceptance;
    expect(r).toEqual({
      triggered: true,
      count: 2,
      threshold: 50,
      items: [
        {
          workshop_id: 'w-29',
          name: 'Shop w-29',
          city: 'Toronto',
          invites_sent_30d: 7,
          invites_resolved_30d: 7,
          invites_accepted_30d: 2,
          acceptance_rate: 28.6,
        },
        {
          workshop_id: 'w-40',
          name: 'Shop w-40',
          city: 'Toronto',
          invites_sent_30d: 5,
          invites_resolved_30d: 5,
          invites_accepted_30d: 2,
          acceptance_rate: 40,
        },
      ],
    });
  });

  it('when every invitation of a workshop expired, then its acceptance is 0% and it is flagged', async () => {
    const { checks } = setup([active('w-0', 6, 0)]);
    const r = (await checks.run(NOW, 'low_invite_acceptance')).low_invite_acceptance;
    expect(r?.items).toEqual([
      {
        workshop_id: 'w-0',
        name: 'Shop w-0',
        city: 'Toronto',
        invites_sent_30d: 6,
        invites_resolved_30d: 6,
        invites_accepted_30d: 0,
        acceptance_rate: 0,
      },
    ]);
  });

  it('when a workshop sent 6 invitations an hour ago (none resolved yet), then it is not flagged', async () => {
    const { checks } = setup([active('w-new', 6, 0, 0)]);
    expect((await checks.run(NOW, 'low_invite_acceptance')).low_invite_acceptance?.items).toEqual([]);
  });

  it('acceptance counts only resolved invitations: 2 accepted of 4 resolved (8 sent) is 50%, not 25%', async () => {
    const { checks } = setup([active('w-half', 8, 2, 4), active('w-low', 8, 1, 5)]);
    const r = (await checks.run(NOW, 'low_invite_acceptance')).low_invite_acceptance;
    expect(r?.items).toEqual([
      {
        workshop_id: 'w-low',
        name: 'Shop w-low',
        city: 'Toronto',
        invites_sent_30d: 8,
        invites_resolved_30d: 5,
        invites_accepted_30d: 1,
        acceptance_rate: 20,
      },
    ]);
  });

  it('without invitations there is no rate and nothing is flagged (no division by zero)', async () => {
    const { checks } = setup([active('w-none', 0, 0)]);
    expect((await checks.run(NOW, 'low_invite_acceptance')).low_invite_acceptance).toEqual({
      triggered: false,
      count: 0,
      threshold: 50,
      items: [],
    });
  });

  it('a suspended workshop with low acceptance is not flagged', async () => {
    const { checks } = setup([{ ...active('w-s', 10, 0), status: 'suspended' }]);
    expect((await checks.run(NOW, 'low_invite_acceptance')).low_invite_acceptance?.count).toBe(0);
  });
});

describe('AlertChecks: invitation expiry', () => {
  const inv = (inviteId: string, sentAgoMs: number, extra: Partial<FakeInvitation> = {}): FakeInvitation => ({
    inviteId,
    workshopId: 'w-1',
    sentAtMs: NOW - sentAgoMs,
    ...extra,
  });

  it('emits mechanic_invite_expired at sent time + TTL for each due invitation, with a stable id', async () => {
    const { checks, ingest, invites } = setup(
      [],
      [inv('a2-old', 8 * DAY), inv('a1-2', 10 * DAY), inv('fresh', 2 * DAY)],
    );
    const r = await checks.run(NOW, 'expired_invitations');
    expect(invites.reads).toEqual([[NOW, TTL_DAYS]]);
    expect(r.expired_invitations).toEqual({
      triggered: true,
      count: 2,
      threshold: 7,
      items: [
        { invite_id: 'a1-2', workshop_id: 'w-1', sent_at: new Date(NOW - 10 * DAY).toISOString() },
        { invite_id: 'a2-old', workshop_id: 'w-1', sent_at: new Date(NOW - 8 * DAY).toISOString() },
      ],
    });
    expect(ingest.batches).toHaveLength(1);
    expect(ingest.batches[0]).toEqual([
      {
        id: expectedExpiryId('a1-2'),
        type: 'mechanic_invite_expired',
        workshop_id: 'w-1',
        occurred_at: new Date(NOW - 10 * DAY + 7 * DAY).toISOString(),
        metadata: { invite_id: 'a1-2', reason: 'ttl', ttl_days: 7 },
      },
      {
        id: expectedExpiryId('a2-old'),
        type: 'mechanic_invite_expired',
        workshop_id: 'w-1',
        occurred_at: new Date(NOW - DAY).toISOString(),
        metadata: { invite_id: 'a2-old', reason: 'ttl', ttl_days: 7 },
      },
    ]);
  });

  it('when run again, then nothing more expires: each invitation gets its event once', async () => {
    const { checks, ingest } = setup([], [inv('a', 8 * DAY), inv('b', 9 * DAY, { acceptedAtMs: NOW - 8 * DAY })]);
    expect((await checks.run(NOW, 'expired_invitations')).expired_invitations).toMatchObject({ count: 1 });
    const again = await checks.run(NOW + HOUR, 'expired_invitations');
    expect(again.expired_invitations).toEqual({ triggered: false, count: 0, threshold: 7, items: [] });
    expect([...ingest.stored.keys()]).toEqual([expectedExpiryId('a')]);
  });

  it('when another replica already stored the expiries (all duplicates), then none is counted as expired here', async () => {
    const a = setup([], [inv('x', 8 * DAY)]);
    const b = setup([], [inv('x', 8 * DAY)]);
    b.ingest.stored.set(expectedExpiryId('x'), {}); // what a's run stored in the shared database
    await a.checks.run(NOW, 'expired_invitations');
    const r = (await b.checks.run(NOW, 'expired_invitations')).expired_invitations;
    expect(r).toMatchObject({ triggered: false, count: 0 });
    expect(r?.items.map((i) => i.invite_id)).toEqual(['x']); // what was due is still reported
    expect(b.ingest.batches[0]?.[0]?.id).toBe(a.ingest.batches[0]?.[0]?.id); // the same id on both replicas
  });

  it('submits at most 1000 events per ingest call', async () => {
    const many = Array.from({ length: 2500 }, (_, i) => inv(`i-${String(i).padStart(4, '0')}`, 8 * DAY + i));
    const { checks, ingest } = setup([], many);
    const r = await checks.run(NOW, 'expired_invitations');
    expect(ingest.batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(r.expired_invitations).toMatchObject({ triggered: true, count: 2500 });
    expect(new Set([...ingest.stored.keys()]).size).toBe(2500);
  });

  it('when the ingest fails, then the run rejects with its error (the job boundary counts it)', async () => {
    const { checks, ingest } = setup([], [inv('x', 8 * DAY)]);
    ingest.failWith = new Error('database unavailable');
    await expect(checks.run(NOW)).rejects.toThrow('database unavailable');
  });

  it('expiryEventId is a version-5-shaped UUID derived from the invite id only', () => {
    expect(expiryEventId('a1-2')).toBe(expectedExpiryId('a1-2'));
    expect(expiryEventId('a1-2')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(expiryEventId('a1-3')).not.toBe(expiryEventId('a1-2'));
  });
});

describe('AlertChecks: which checks run', () => {
  const due = () => [{ inviteId: 'x', workshopId: 'w', sentAtMs: NOW - 8 * DAY }];

  it('without a check type, runs all five: expiry first, then one read of the workshops for the other four', async () => {
    const { gauges, invites, ingest } = setup([pending('w', HOUR)], due());
    const order: string[] = [];
    gauges.onRead = () => order.push('workshops');
    const checks = new AlertChecks(
      gauges,
      { expirable: async (now, ttl) => (order.push('expirable'), invites.expirable(now, ttl)) },
      async (events) => (order.push('ingest'), ingest.ingest(events)),
      TTL_DAYS,
    );
    const r = await checks.run(NOW);
    expect(Object.keys(r).sort()).toEqual([...CHECK_TYPES].sort());
    expect(order).toEqual(['expirable', 'ingest', 'workshops']);
    expect(gauges.reads).toEqual([NOW]);
  });

  it('only expired_invitations does not read the workshops', async () => {
    const { checks, gauges, ingest } = setup([pending('w', HOUR)], due());
    expect(Object.keys(await checks.run(NOW, 'expired_invitations'))).toEqual(['expired_invitations']);
    expect(gauges.reads).toEqual([]);
    expect(ingest.batches).toHaveLength(1);
  });

  it('any other single check does not expire invitations', async () => {
    const { checks, invites, ingest } = setup([pending('w', HOUR)], due());
    expect(Object.keys(await checks.run(NOW, 'approval_backlog'))).toEqual(['approval_backlog']);
    expect(invites.reads).toEqual([]);
    expect(ingest.batches).toEqual([]);
  });
});

/** Reference: SHA-1 of "mechanic_invite_expired:<id>" as 32 hex digits, version nibble 5, RFC 4122 variant. */
function expectedExpiryId(inviteId: string): string {
  const hex = [...createHash('sha1').update(`mechanic_invite_expired:${inviteId}`).digest('hex').slice(0, 32)];
  hex[12] = '5';
  hex[16] = ['8', '9', 'a', 'b'][parseInt(hex[16]!, 16) % 4]!;
  const s = hex.join('');
  return [s.slice(0, 8), s.slice(8, 12), s.slice(12, 16), s.slice(16, 20), s.slice(20)].join('-');
}
