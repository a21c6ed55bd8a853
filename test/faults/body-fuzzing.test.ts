/**
 * Body fuzzing: random hostile bodies (full Unicode with NUL and lone surrogates, deep nesting, huge and non-finite
 * numbers, wrong types, truncated JSON, invalid UTF-8) are posted at the same time as valid events to the real
 * service. None gets a 5xx, and every valid event is stored as sent.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, accessWithRaw, deepText, post } from '../support/hostile-bodies.js';
import { uuid } from '../support/events.js';
import { startTestService } from '../support/service.js';

type TestService = Awaited<ReturnType<typeof startTestService>>;

describe('property: random hostile bodies next to valid events', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  const anyString = fc.string({ unit: 'binary', maxLength: 12 });
  const hostileBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
    // full Unicode strings (NUL and lone surrogates included) as values and keys, at depth
    fc
      .record({ k: anyString, v: anyString, ua: anyString })
      .map(({ k, v, ua }) => JSON.stringify(access({ user_agent: ua, metadata: { [k]: v, n: { [v]: [k] } } }))),
    // deep nesting, in metadata or in a field that should be a string
    fc
      .tuple(fc.integer({ min: 30, max: 20_000 }), fc.constantFrom('metadata', 'user_agent'))
      .map(([n, field]) => accessWithRaw(`"${field}":${deepText(n)}`)),
    // huge and non-finite numbers
    fc
      .constantFrom('1e400', '-1e400', '1e308', '123456789012345678901234567890', '9007199254740993', '-1')
      .map((n) => `{"type":"session_completed","workshop_id":"${uuid()}","metadata":{"revenue_cents":${n}}}`),
    // wrong types anywhere
    fc
      .record({ workshop_id: fc.jsonValue(), metadata: fc.jsonValue(), success: fc.jsonValue() })
      .map((f) => JSON.stringify({ type: 'workshop_dashboard_accessed', ...f })),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    // truncated JSON
    fc.integer({ min: 0, max: 60 }).map((cut) => JSON.stringify({ events: [access(), access()] }).slice(0, cut)),
    // invalid UTF-8 bytes spliced into a valid body
    fc
      .tuple(fc.integer({ min: 1, max: 60 }), fc.uint8Array({ minLength: 1, maxLength: 3, min: 0x80, max: 0xff }))
      .map(([at, junk]) => {
        const b = Buffer.from(JSON.stringify(access()));
        return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
      }),
  );
  /** Strings without NUL and lone surrogates: what a valid event may carry. */
  const cleanString = anyString.filter(
    (s) => !s.includes('\u0000') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s),
  );
  const validEvent = cleanString.map((note) => access({ metadata: { note } }));

  it('never answers 5xx, and stores every valid event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileBody, { minLength: 1, maxLength: 5 }),
        fc.array(validEvent, { minLength: 1, maxLength: 4 }),
        async (hostile, valid) => {
          const bodies: Array<{ body: string | Uint8Array; valid?: Record<string, unknown> }> = [
            ...hostile.map((body) => ({ body })),
            ...valid.map((e) => ({ body: JSON.stringify(e), valid: e })),
          ];
          const answers = await Promise.all(bodies.map(async (b) => ({ ...b, res: await post(svc.url, b.body) })));
          for (const a of answers) {
            expect(a.res.status).toBeLessThan(500);
            if (a.valid) expect(a.res.status).toBe(202);
          }
          const ids = valid.map((e) => e.id as string);
          const rows = await svc.pool.query<{ id: string; metadata: unknown }>(
            'SELECT id, metadata FROM workshop_events WHERE id = ANY($1)',
            [ids],
          );
          expect(new Map(rows.rows.map((r) => [r.id, r.metadata]))).toEqual(
            new Map(valid.map((e) => [e.id as string, e.metadata])),
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});
