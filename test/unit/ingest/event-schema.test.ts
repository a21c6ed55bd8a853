import { describe, expect, it } from 'vitest';
import { validateBody, validateEvent } from '../../../src/ingest/event-schema.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const opts = { ipMode: 'truncate' as const, nowMs: NOW };

describe('validateEvent', () => {
  it('when fields are absent, then id is assigned, occurred_at is now and success is true', () => {
    const r = validateEvent({ type: 'workshop_signup_started', session_id: 's' }, 0, opts);
    if (!('event' in r)) throw new Error('expected valid');
    expect(r.event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.event.occurredAt).toBe('2026-11-21T12:00:00.000Z');
    expect(r.event).toMatchObject({ success: true, category: 'signup', workshopId: null });
  });

  it('normalizes uuids to lower case and occurred_at to UTC milliseconds', () => {
    const r = validateEvent(
      {
        id: 'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA',
        type: 'workshop_dashboard_accessed',
        workshop_id: 'BBBBBBBB-BBBB-4BBB-8BBB-BBBBBBBBBBBB',
        occurred_at: '2026-11-21T07:00:00.123456-05:00',
      },
      0,
      opts,
    );
    if (!('event' in r)) throw new Error(JSON.stringify(r.problems));
    expect(r.event.id).toBe('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
    expect(r.event.workshopId).toBe('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb');
    expect(r.event.occurredAt).toBe('2026-11-21T12:00:00.123Z');
  });

  it('copies invite_id and revenue_cents into typed fields', () => {
    const a = validateEvent(
      {
        type: 'mechanic_invited',
        workshop_id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
        metadata: { invite_id: 'inv-9' },
      },
      0,
      opts,
    );
    const b = validateEvent(
      {
        type: 'session_completed',
        workshop_id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
        metadata: { revenue_cents: 4599 },
      },
      0,
      opts,
    );
    expect('event' in a && a.event.inviteId).toBe('inv-9');
    expect('event' in b && b.event.revenueCents).toBe(4599);
  });

  it('accepts occurred_at exactly 5 minutes ahead and refuses one millisecond more', () => {
    const at = (ms: number) =>
      validateEvent(
        { type: 'workshop_signup_started', session_id: 's', occurred_at: new Date(NOW + ms).toISOString() },
        0,
        opts,
      );
    expect('event' in at(5 * 60_000)).toBe(true);
    expect('problems' in at(5 * 60_000 + 1)).toBe(true);
  });

  it('when IP_MODE is drop, then no address is kept', () => {
    const r = validateEvent({ type: 'workshop_signup_started', session_id: 's', ip_address: '198.51.100.7' }, 0, {
      ...opts,
      ipMode: 'drop',
    });
    expect('event' in r && r.event.ipAddress).toBe(null);
  });
});

describe('validateBody', () => {
  it('reports problems of every invalid event with its index', () => {
    const r = validateBody(
      {
        events: [{ type: 'nope' }, { type: 'workshop_signup_started', session_id: 's' }, { type: 'workshop_approved' }],
      },
      opts,
    );
    if (!('problems' in r)) throw new Error('expected problems');
    expect(r.problems.map((p) => p.index)).toEqual([0, 2, 2]);
    expect(r.problems.map((p) => p.path)).toEqual(['type', 'workshop_id', 'admin_id']);
  });

  it('refuses arrays, scalars and batch objects with extra keys', () => {
    for (const body of [
      [],
      'x',
      42,
      null,
      { events: [{ type: 'workshop_signup_started', session_id: 's' }], extra: 1 },
      { events: 'no' },
    ]) {
      expect('problems' in validateBody(body, opts)).toBe(true);
    }
  });
});
