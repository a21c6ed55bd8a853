import { describe, expect, it } from 'vitest';
import { EVENT_FIELD_NAMES, searchQuery, STORED_AT_COLUMN } from '../../../src/events/event-search-sql.js';

describe('searchQuery', () => {
  it('without filters reads every event in (occurred_at, id) order', () => {
    const q = searchQuery({});
    expect(q.text).not.toContain('WHERE');
    expect(q.text).toMatch(/ORDER BY e\.occurred_at, e\.id$/);
    expect(q.values).toEqual([]);
  });

  it('binds every filter as a parameter, one type as = and several as ANY, and the limit last', () => {
    const after = { occurredAt: '2026-03-02T05:00:00.000000Z', id: '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03' };
    const q = searchQuery(
      {
        types: ['workshop_approved', 'workshop_rejected'],
        category: 'approval',
        workshopId: 'w',
        sessionId: "s'; DROP TABLE x; --",
        success: false,
        from: 'f',
        to: 't',
        after,
      },
      101,
    );
    expect(q.text).toContain('e.event_type = ANY($1::text[])');
    expect(q.text).toContain('(e.occurred_at, e.id) > ($8::timestamptz, $9::uuid)');
    expect(q.text).toMatch(/LIMIT \$10::int$/);
    expect(q.text).not.toContain('DROP');
    expect(q.values).toEqual([
      ['workshop_approved', 'workshop_rejected'],
      'approval',
      'w',
      "s'; DROP TABLE x; --",
      false,
      'f',
      't',
      after.occurredAt,
      after.id,
      101,
    ]);
    expect(searchQuery({ types: ['workshop_approved'] }).text).toContain('e.event_type = $1::text');
  });

  it('returns the documented columns, the stored-at column under its own name', () => {
    expect(EVENT_FIELD_NAMES).toEqual([
      'id',
      'type',
      'category',
      'occurred_at',
      STORED_AT_COLUMN,
      'workshop_id',
      'user_id',
      'mechanic_id',
      'admin_id',
      'session_id',
      'success',
      'error_message',
      'duration_ms',
      'ip_address',
      'user_agent',
      'metadata',
    ]);
  });
});
