import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  EVENT_FIELD_NAMES,
  exportCopyQuery,
  searchQuery,
  sqlLiteral,
  STORED_AT_COLUMN,
} from '../../../src/events/event-search-sql.js';

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

describe('exportCopyQuery (COPY takes no parameters: values inlined as checked literals)', () => {
  const after = { occurredAt: '2026-03-02T05:00:00.000000Z', id: '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03' };
  const filter = {
    types: ['workshop_approved', 'workshop_rejected'] as const,
    category: 'approval' as const,
    workshopId: '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c04',
    sessionId: "s'; DROP TABLE x; -- \\' \\",
    success: false,
    from: '2026-03-01T00:00:00Z',
    to: '2026-04-01T00:00:00Z',
    after,
  };

  it('inlines every filter through escapeLiteral, quotes doubled and backslashes in an E string', () => {
    for (const format of ['csv', 'ndjson'] as const) {
      const q = exportCopyQuery(filter, format, pg.escapeLiteral);
      expect(q).toMatch(/^COPY \(SELECT /);
      expect(q).toContain("e.event_type = ANY(ARRAY['workshop_approved', 'workshop_rejected']::text[])");
      expect(q).toContain("e.event_category = 'approval'::text");
      expect(q).toContain(`e.workshop_id = '${filter.workshopId}'::uuid`);
      expect(q).toContain(String.raw` E's''; DROP TABLE x; -- \\'' \\'::text`);
      expect(q).toContain('e.success = false');
      expect(q).toContain(`(e.occurred_at, e.id) > ('${after.occurredAt}'::timestamptz, '${after.id}'::uuid)`);
      expect(q).toMatch(/ ORDER BY e\.occurred_at, e\.id\) TO STDOUT WITH \(FORMAT csv, /);
      expect(q).not.toContain('$');
    }
    expect(exportCopyQuery({}, 'csv', pg.escapeLiteral)).toMatch(/FROM workshop_events e ORDER BY/);
  });

  it('refuses a value of the wrong type, and text holding NUL', () => {
    expect(() => sqlLiteral(1, 'text', pg.escapeLiteral)).toThrow(TypeError);
    expect(() => sqlLiteral('true', 'boolean', pg.escapeLiteral)).toThrow(TypeError);
    expect(() => sqlLiteral(['a', 1], 'text[]', pg.escapeLiteral)).toThrow(TypeError);
    expect(() => sqlLiteral([], 'text[]', pg.escapeLiteral)).toThrow(TypeError);
    expect(() => sqlLiteral('a\u0000b', 'text', pg.escapeLiteral)).toThrow(TypeError);
    expect(() => sqlLiteral({ toString: () => "x' OR true" }, 'uuid', pg.escapeLiteral)).toThrow(TypeError);
    expect(() => exportCopyQuery({ success: 'true' as unknown as boolean }, 'ndjson', pg.escapeLiteral)).toThrow(
      TypeError,
    );
    expect(sqlLiteral(true, 'boolean', pg.escapeLiteral)).toBe('true');
  });
});
