/**
 * What the alerts read, from the real service and PostgreSQL: email failures counted by when they happened,
 * invite acceptance over resolved invitations, the last invitation (churn), every job's last success (0 when
 * never), the database probe, and live gauges exported before the service answers its first request.
 * Expected values are worked out by hand from the events posted here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, postEvents, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
let now = Number.NaN;
const at = (msAgo: number) => new Date(now - msAgo).toISOString();

const NEW = '50000000-0000-4000-8000-000000000001'; // sent 6 invitations an hour ago
const MIX = '50000000-0000-4000-8000-000000000002'; // accepted, expired, open and past-TTL invitations
const ADMIN = '90000000-0000-4000-8000-000000000001';

const active = (w: string, name: string) => [
  { type: 'workshop_signup_success', workshop_id: w, occurred_at: at(40 * DAY), metadata: { name, city: 'Ottawa' } },
  { type: 'workshop_approved', workshop_id: w, admin_id: ADMIN, occurred_at: at(39 * DAY) },
  { type: 'workshop_dashboard_accessed', workshop_id: w, occurred_at: at(HOUR) },
];
const invite = (w: string, inv: string, ago: number) => ({
  type: 'mechanic_invited',
  workshop_id: w,
  occurred_at: at(ago),
  metadata: { invite_id: inv },
});
const accept = (w: string, inv: string, n: number, ago: number) => ({
  type: 'mechanic_invite_accepted',
  workshop_id: w,
  mechanic_id: `60000000-0000-4000-8000-00000000000${n}`,
  occurred_at: at(ago),
  metadata: { invite_id: inv },
});
const email = (type: string, ago: number) => ({
  type,
  workshop_id: MIX,
  occurred_at: at(ago),
  ...(type.endsWith('_failed') ? { error_message: 'smtp 550' } : {}),
});

/**
 * MIX (INVITE_TTL_DAYS 7): 2 accepted (sent 3 days ago), 1 expired (sent 2 days ago), 2 open (sent 1 day ago),
 * 3 past the TTL without an answer (sent 10 days ago): 8 sent, 2 + 1 + 3 = 6 resolved, 2 / 6 = 33% accepted.
 * NEW: 6 sent an hour ago, none resolved.
 * Emails: 3 failures and 2 sends 10-20 minutes ago; 4 failures that occurred 3 hours ago, posted now (late).
 */
const events = () => [
  ...active(NEW, 'Garage Neu'),
  ...active(MIX, 'Garage Mix'),
  ...[0, 1, 2, 3, 4, 5].map((i) => invite(NEW, `new-${i}`, HOUR)),
  invite(MIX, 'mix-acc-0', 3 * DAY),
  invite(MIX, 'mix-acc-1', 3 * DAY),
  accept(MIX, 'mix-acc-0', 1, 2 * DAY),
  accept(MIX, 'mix-acc-1', 2, 2 * DAY),
  invite(MIX, 'mix-exp', 2 * DAY),
  { type: 'mechanic_invite_expired', workshop_id: MIX, occurred_at: at(DAY), metadata: { invite_id: 'mix-exp' } },
  invite(MIX, 'mix-open-0', DAY),
  invite(MIX, 'mix-open-1', DAY),
  ...[0, 1, 2].map((i) => invite(MIX, `mix-old-${i}`, 10 * DAY)),
  ...[10, 15, 20].map((m) => email('email_invite_failed', m * MIN)),
  ...[10, 20].map((m) => email('email_invite_sent', m * MIN)),
  ...[0, 1, 2, 3].map((i) => email('email_approval_failed', 3 * HOUR + i * MIN)),
];

const gauge = (text: string, name: string, labels = '') => {
  const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('what the alerts read', () => {
  let svc: Svc;
  let firstMetrics: string;

  beforeAll(async () => {
    svc = await startTestService({ INVITE_TTL_DAYS: '7' });
    // the first scrape, before anything else: the start-up refresh and probe have already run
    firstMetrics = await (await fetch(`${svc.url}/metrics`)).text();
    now = Date.now();
    expect((await postEvents(svc.url, { events: events() })).status).toBe(202);
    await svc.aggregator.refresher.refresh();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const metrics = async () => (await fetch(`${svc.url}/metrics`)).text();

  it('when the service starts, then the live gauges and the database probe are exported before its first request', () => {
    expect(gauge(firstMetrics, 'workshop_active_workshops')).toBe(0);
    expect(gauge(firstMetrics, 'workshop_database_up')).toBe(1);
    expect(
      gauge(firstMetrics, 'workshop_aggregator_job_last_success_timestamp_seconds', 'aggregator_job="gauge_refresh"'),
    ).toBeGreaterThan(0);
  });

  it('jobs that never succeeded are exported as 0 (so the staleness alert can fire for them)', async () => {
    const text = await metrics();
    for (const job of ['daily_metrics', 'weekly_metrics', 'monthly_metrics', 'hourly_checks'])
      expect(
        gauge(text, 'workshop_aggregator_job_last_success_timestamp_seconds', `aggregator_job="${job}"`),
        job,
      ).toBe(0);
  });

  it('email failures of the last hour count by occurred_at: 4 late failures of 3 hours ago are not among them', async () => {
    const text = await metrics();
    expect(gauge(text, 'workshop_email_failures_1h')).toBe(3);
    expect(gauge(text, 'workshop_emails_sent_1h')).toBe(2);
    expect(gauge(text, 'workshop_emails_failed_24h')).toBe(7);
    // the ingestion counter saw all 7 arrive now
    const stored =
      (gauge(text, 'workshop_events_total', 'type="email_invite_failed",category="email",outcome="success"') ?? 0) +
      (gauge(text, 'workshop_events_total', 'type="email_approval_failed",category="email",outcome="success"') ?? 0) +
      (gauge(text, 'workshop_events_total', 'type="email_invite_failed",category="email",outcome="failure"') ?? 0) +
      (gauge(text, 'workshop_events_total', 'type="email_approval_failed",category="email",outcome="failure"') ?? 0);
    expect(stored).toBe(7);
  });

  it('invite acceptance counts resolved invitations only: 6 sent an hour ago read no rate; 2 of 6 resolved is 33%', async () => {
    const text = await metrics();
    expect(gauge(text, 'workshop_invites_sent_30d', `workshop_id="${NEW}"`)).toBe(6);
    expect(gauge(text, 'workshop_invites_resolved_30d', `workshop_id="${NEW}"`)).toBe(0);
    expect(gauge(text, 'workshop_invites_sent_30d', `workshop_id="${MIX}"`)).toBe(8);
    expect(gauge(text, 'workshop_invites_resolved_30d', `workshop_id="${MIX}"`)).toBe(6);
    expect(gauge(text, 'workshop_invites_accepted_30d', `workshop_id="${MIX}"`)).toBe(2);
    expect(gauge(text, 'workshop_last_invite_timestamp_seconds', `workshop_id="${NEW}"`)).toBe(
      Date.parse(at(HOUR)) / 1000,
    );
    expect(gauge(text, 'workshop_last_invite_timestamp_seconds', `workshop_id="${MIX}"`)).toBe(
      Date.parse(at(DAY)) / 1000,
    );
  });

  it('the health factor and the hourly check use the same definition', async () => {
    const health = async (w: string) => {
      const r = await fetch(`${svc.url}/api/workshops/${w}/health`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const body = (await r.json()) as { factors: Array<{ name: string; score: number | null }> };
      return body.factors.find((f) => f.name === 'invite_acceptance')!.score;
    };
    expect(await health(NEW)).toBeNull();
    expect(await health(MIX)).toBeCloseTo(2 / 6, 10);
    const r = await fetch(`${svc.url}/api/cron/workshop-alerts?checkType=low_invite_acceptance`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const checks = (
      (await r.json()) as { checks: { low_invite_acceptance: { items: Array<Record<string, unknown>> } } }
    ).checks;
    expect(checks.low_invite_acceptance.items).toEqual([
      {
        workshop_id: MIX,
        name: 'Garage Mix',
        city: 'Ottawa',
        invites_sent_30d: 8,
        invites_resolved_30d: 6,
        invites_accepted_30d: 2,
        acceptance_rate: 33.3,
      },
    ]);
  });
});
