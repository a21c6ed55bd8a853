import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INVITATIONS,
  MECHANICS,
  WORKSHOPS,
  mergeRow,
  type ProjectionSpec,
  type Row,
} from '../../../src/ingest/projection-spec.js';
import { upsertStatement } from '../../../src/ingest/projection-sql.js';

/** Arbitrary partial rows for a spec: each group present or absent, times and ids from small sets (ties). */
function partialRow(spec: ProjectionSpec): fc.Arbitrary<Row> {
  const time = fc.integer({ min: 0, max: 3 }).map((m) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString());
  const id = fc.constantFrom('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002');
  const groups = spec.groups.map((g) =>
    fc.option(
      g.kind === 'min' || g.kind === 'max'
        ? time.map((t): Row => ({ [g.column]: t }))
        : // an event (at, id) has one content, so register values are a function of it
          fc.tuple(time, id).map(([t, i]): Row => ({
            [g.at]: t,
            [g.id]: i,
            ...Object.fromEntries(g.values.map((c) => [c, `${c}:${t}:${i}`])),
          })),
      { nil: undefined },
    ),
  );
  return fc.tuple(...groups).map((parts) => Object.assign({}, ...parts.filter(Boolean)) as Row);
}

const merged = (spec: ProjectionSpec, ...rows: Row[]) => {
  const acc: Row = {};
  for (const r of rows) mergeRow(spec, acc, { ...r });
  // compare only defined columns
  return Object.fromEntries(Object.entries(acc).filter(([, v]) => v !== undefined && v !== null));
};

describe.each([WORKSHOPS, INVITATIONS, MECHANICS])('projection merge of $table', (spec) => {
  it('is commutative', () => {
    fc.assert(
      fc.property(partialRow(spec), partialRow(spec), (a, b) => {
        expect(merged(spec, a, b)).toEqual(merged(spec, b, a));
      }),
    );
  });
  it('is associative', () => {
    fc.assert(
      fc.property(partialRow(spec), partialRow(spec), partialRow(spec), (a, b, c) => {
        const left: Row = { ...merged(spec, a, b) };
        expect(merged(spec, left, c)).toEqual(merged(spec, a, { ...merged(spec, b, c) }));
      }),
    );
  });
  it('is idempotent', () => {
    fc.assert(
      fc.property(partialRow(spec), (a) => {
        expect(merged(spec, a, a)).toEqual(merged(spec, a));
      }),
    );
  });
  it('upserts every column with one array parameter each', () => {
    const st = upsertStatement(spec, [{}, {}]);
    expect(st.values).toHaveLength(spec.columns.length);
    expect(st.text).toContain(`ON CONFLICT (${spec.key.join(', ')})`);
  });
});

describe('workshops: owner_email, a profile column', () => {
  const signup = (metadata: Record<string, unknown>) =>
    WORKSHOPS.contributions({
      id: '00000000-0000-4000-8000-000000000001',
      type: 'workshop_signup_success',
      category: 'signup',
      occurredAt: '2026-01-01T00:00:00.000Z',
      occurredAtMs: Date.parse('2026-01-01T00:00:00.000Z'),
      workshopId: 'a0000000-0000-4000-8000-000000000001',
      userId: null,
      mechanicId: null,
      adminId: null,
      sessionId: null,
      success: true,
      errorMessage: null,
      durationMs: null,
      ipAddress: null,
      userAgent: null,
      metadata: { name: 'A', city: 'B', ...metadata },
      inviteId: null,
      revenueCents: null,
    })[0]!;

  it('is part of the profile register: the latest signup decides it, with name and city', () => {
    const profile = WORKSHOPS.groups.find((g) => g.kind === 'lww-max' && g.values.includes('name'));
    expect(profile && 'values' in profile ? profile.values : []).toContain('owner_email');
  });

  it('when a signup carries a valid owner_email, then it is projected; absent, it is null', () => {
    expect(signup({ owner_email: 'owner@garage.example' }).owner_email).toBe('owner@garage.example');
    expect(signup({}).owner_email).toBeNull();
  });

  it('when the log holds an owner_email stored before it was validated, then the projection ignores it', () => {
    for (const bad of ['not an address', 'a@b.example\r\nBcc: x@y.example', 42, { a: 1 }, `${'a'.repeat(250)}@b.ca`])
      expect(signup({ owner_email: bad }).owner_email).toBeNull();
  });
});

describe('workshops: region, a profile column', () => {
  const signup = (metadata: Record<string, unknown>) =>
    WORKSHOPS.contributions({
      id: '00000000-0000-4000-8000-000000000001',
      type: 'workshop_signup_success',
      category: 'signup',
      occurredAt: '2026-01-01T00:00:00.000Z',
      occurredAtMs: Date.parse('2026-01-01T00:00:00.000Z'),
      workshopId: 'a0000000-0000-4000-8000-000000000001',
      userId: null,
      mechanicId: null,
      adminId: null,
      sessionId: null,
      success: true,
      errorMessage: null,
      durationMs: null,
      ipAddress: null,
      userAgent: null,
      metadata: { name: 'A', ...metadata },
      inviteId: null,
      revenueCents: null,
    })[0]!;

  it('is part of the profile register, with name and city', () => {
    const profile = WORKSHOPS.groups.find((g) => g.kind === 'lww-max' && g.values.includes('city'));
    expect(profile && 'values' in profile ? profile.values : []).toContain('region');
  });

  it('when a signup has no metadata.region, then the region comes from the documented mapping of its city', () => {
    // docs/regions.md, written out here rather than read from the mapping
    const expected: Array<[string, string]> = [
      ['Toronto', 'GTA'],
      ['Mississauga', 'GTA'],
      ['Brampton', 'GTA'],
      ['Markham', 'GTA'],
      ['Vaughan', 'GTA'],
      ['Ottawa', 'Ottawa'],
      ['Hamilton', 'Hamilton'],
      ['London', 'London'],
      ['Kitchener', 'Kitchener-Waterloo'],
      ['Waterloo', 'Kitchener-Waterloo'],
      ['Kingston', 'Eastern Ontario'],
      ['Sudbury', 'Northern Ontario'],
      ['Windsor', 'Southwestern Ontario'],
      ['Barrie', 'Central Ontario'],
      ['  toronto ', 'GTA'],
      ['RICHMOND   HILL', 'GTA'],
      ['Smallville', 'Other Ontario'],
    ];
    for (const [city, region] of expected) expect(signup({ city }).region, city).toBe(region);
  });

  it('when a signup carries metadata.region, then it wins over the mapping', () => {
    expect(signup({ city: 'Toronto', region: 'Durham' }).region).toBe('Durham');
    expect(signup({ city: 'Ottawa', region: ' GTA ' }).region).toBe('GTA');
  });

  it('when metadata.region is not a usable string, then the mapping applies; without a city there is none', () => {
    for (const bad of ['', '   ', 42, null, { a: 1 }, 'x'.repeat(101)])
      expect(signup({ city: 'Hamilton', region: bad }).region).toBe('Hamilton');
    expect(signup({}).region).toBeNull();
  });
});
