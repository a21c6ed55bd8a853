/**
 * GET /api/events against the real service and PostgreSQL over real HTTP: every filter alone and combined, paging
 * limits, 400s naming the parameter, 401s, the stored values returned as they are (IP as IP_MODE kept it, user agent
 * and metadata in full), CSV (header, quoting, formula neutralisation) and NDJSON exports of hostile values.
 * Expected results are computed here from the events the test posted, never by the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORED_AT_COLUMN } from '../../src/events/event-search-sql.js';
import { csvLine } from '../../src/http/csv.js';
import { parseCsv } from '../support/csv.js';
import { ev, uuid } from '../support/events.js';
import { ADMIN_TOKEN, INGEST_TOKEN, postEvents, startTestService } from '../support/service.js';

type TestService = Awaited<ReturnType<typeof startTestService>>;
type Json = Record<string, unknown>;

const COLUMNS = [
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
];

let svc: TestService;

async function get(query: string, token: string | null = ADMIN_TOKEN) {
  const res = await fetch(`${svc.url}/api/events${query ? `?${query}` : ''}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // CSV, NDJSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Every event of a query, page after page. */
async function all(query: string, limit = 7): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const r = await get(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status, r.text).toBe(200);
    out.push(...(r.json.events as Json[]));
    cursor = r.json.next_cursor as string | null;
    if (!cursor) return out;
  }
  throw new Error('more than 1000 pages');
}

// --- the data set: posted once, expected results filtered from it here ---
const W1 = uuid();
const W2 = uuid();
const S1 = 'sess_search_1';
interface Posted {
  id: string;
  type: string;
  category: string;
  occurred_at: string;
  workshop_id?: string;
  session_id?: string;
  success: boolean;
}
const posted: Posted[] = [];
const CATEGORY: Record<string, string> = {
  workshop_dashboard_accessed: 'activity',
  workshop_signup_started: 'signup',
  email_invite_failed: 'email',
  workshop_application_viewed: 'approval',
};

/** 2026-03-DD at 10:minute, plus `ms` milliseconds (ingest keeps milliseconds; returned as UTC microseconds). */
const at = (day: number, minute: number, ms = 0) =>
  `2026-03-${String(day).padStart(2, '0')}T10:${String(minute).padStart(2, '0')}:00.${String(ms).padStart(3, '0')}000Z`;

function build(): Json[] {
  const events: Json[] = [];
  const add = (type: string, fields: Json) => {
    const e = ev(type, fields);
    events.push(e);
    posted.push({
      id: e.id as string,
      type,
      category: CATEGORY[type]!,
      occurred_at: fields.occurred_at as string,
      ...(fields.workshop_id ? { workshop_id: fields.workshop_id as string } : {}),
      ...(fields.session_id ? { session_id: fields.session_id as string } : {}),
      success: (fields.success as boolean | undefined) ?? true,
    });
  };
  for (let i = 0; i < 40; i++) {
    const day = 1 + (i % 10);
    const w = i % 3 === 0 ? W1 : W2;
    if (i % 4 === 0) add('workshop_signup_started', { occurred_at: at(day, i, i * 7), session_id: i % 8 ? S1 : 'sx' });
    else if (i % 4 === 1) add('workshop_dashboard_accessed', { occurred_at: at(day, i), workshop_id: w });
    else if (i % 4 === 2)
      add('email_invite_failed', {
        occurred_at: at(day, i, 1),
        workshop_id: w,
        error_message: 'SMTP 421',
        success: false,
      });
    else add('workshop_application_viewed', { occurred_at: at(day, i, 999), workshop_id: w, success: i % 8 !== 3 });
  }
  // ties: five events at the very same microsecond, ordered by id
  for (let i = 0; i < 5; i++) add('workshop_dashboard_accessed', { occurred_at: at(5, 59, 123), workshop_id: W1 });
  return events;
}

const order = (a: Posted, b: Posted) =>
  a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const ids = (events: Json[]) => events.map((e) => e.id);
const expected = (keep: (p: Posted) => boolean) =>
  posted
    .filter(keep)
    .sort(order)
    .map((p) => p.id);

beforeAll(async () => {
  svc = await startTestService();
  const r = await postEvents(svc.url, { events: build() });
  expect(r.status, r.text).toBe(202);
}, 60_000);

afterAll(async () => {
  await svc?.stop();
});

describe('GET /api/events filters', () => {
  it('without a filter returns every event in (occurred_at, id) order, ties by id', async () => {
    expect(ids(await all(''))).toEqual(expected(() => true));
  });

  it.each<[string, string, (p: Posted) => boolean]>([
    ['one type', 'type=email_invite_failed', (p) => p.type === 'email_invite_failed'],
    [
      'repeated types',
      'type=email_invite_failed&type=workshop_signup_started',
      (p) => p.type === 'email_invite_failed' || p.type === 'workshop_signup_started',
    ],
    ['category', 'category=approval', (p) => p.category === 'approval'],
    ['workshop_id', `workshop_id=${W1}`, (p) => p.workshop_id === W1],
    ['workshop_id in capitals', `workshop_id=${W2.toUpperCase()}`, (p) => p.workshop_id === W2],
    ['session_id', `session_id=${S1}`, (p) => p.session_id === S1],
    ['success=false', 'success=false', (p) => !p.success],
    ['success=true', 'success=true', (p) => p.success],
    [
      'from (inclusive) and to (exclusive), at exact stored instants',
      `from=${at(3, 0)}&to=${at(7, 0)}`,
      (p) => p.occurred_at >= at(3, 0) && p.occurred_at < at(7, 0),
    ],
    [
      'from and to with an offset',
      `from=${encodeURIComponent('2026-03-03T12:00:00+02:00')}&to=${encodeURIComponent('2026-03-06T05:00:00-05:00')}`,
      (p) => p.occurred_at >= '2026-03-03T10:00:00.000000Z' && p.occurred_at < '2026-03-06T10:00:00.000000Z',
    ],
    [
      'combined: workshop, types, success and a time range',
      `workshop_id=${W2}&type=email_invite_failed&type=workshop_application_viewed&success=false&from=${at(2, 0)}&to=${at(10, 0)}`,
      (p) =>
        p.workshop_id === W2 &&
        (p.type === 'email_invite_failed' || p.type === 'workshop_application_viewed') &&
        !p.success &&
        p.occurred_at >= at(2, 0) &&
        p.occurred_at < at(10, 0),
    ],
    ['combined: category and session, nothing matches', `category=email&session_id=${S1}`, () => false],
  ])('%s', async (_what, query, keep) => {
    const want = expected(keep);
    expect(ids(await all(query, 3))).toEqual(want);
    // one page holding them all gives the same, without a cursor
    const one = await get(`${query}&limit=1000`);
    expect(ids(one.json.events as Json[])).toEqual(want);
    expect(one.json.next_cursor).toBeNull();
  });
});

describe('GET /api/events paging', () => {
  it('returns 100 events by default and a cursor while more follow; limit 1 and 1000 are accepted', async () => {
    const w = uuid();
    const many = Array.from({ length: 120 }, (_, i) =>
      ev('workshop_dashboard_accessed', { workshop_id: w, occurred_at: at(20, i % 60, i) }),
    );
    expect((await postEvents(svc.url, { events: many })).status).toBe(202);
    const first = await get(`workshop_id=${w}`);
    expect((first.json.events as Json[]).length).toBe(100);
    expect(typeof first.json.next_cursor).toBe('string');
    const rest = await get(`workshop_id=${w}&cursor=${first.json.next_cursor as string}`);
    expect((rest.json.events as Json[]).length).toBe(20);
    expect(rest.json.next_cursor).toBeNull();
    expect((await get(`workshop_id=${w}&limit=1`)).json.events).toHaveLength(1);
    expect((await get(`workshop_id=${w}&limit=1000`)).json.events).toHaveLength(120);
  });
});

describe('GET /api/events refuses bad parameters with 400 naming the parameter', () => {
  const valid = Buffer.from(`v1|${at(3, 0)}|${uuid()}`).toString('base64url');
  it.each<[string, string, string]>([
    ['limit 0', 'limit=0', 'limit'],
    ['limit 1001', 'limit=1001', 'limit'],
    ['limit not an integer', 'limit=1.5', 'limit'],
    ['limit not a number', 'limit=ten', 'limit'],
    ['limit given twice', 'limit=1&limit=2', 'limit'],
    ['an unknown type', 'type=workshop_exploded', 'type.0'],
    ['the second type unknown', 'type=workshop_approved&type=nope', 'type.1'],
    ['an unknown category', 'category=billing', 'category'],
    ['workshop_id not a UUID', 'workshop_id=42', 'workshop_id'],
    ['an empty session_id', 'session_id=', 'session_id'],
    ['session_id holding NUL', 'session_id=a%00b', 'session_id'],
    ['success not a boolean', 'success=yes', 'success'],
    ['from without a time', 'from=2026-03-01', 'from'],
    ['to without a zone', 'to=2026-03-01T00:00:00', 'to'],
    ['to before from', `from=${at(5, 0)}&to=${at(4, 0)}`, 'to'],
    ['from in year 0', 'from=0000-01-01T00:00:00Z', 'from'],
    ['to with an offset PostgreSQL refuses', `to=${encodeURIComponent('2026-01-01T00:00:00+23:00')}`, 'to'],
    [
      'a cursor in year 0',
      `cursor=${Buffer.from(`v1|0000-01-01T00:00:00.000000Z|${uuid()}`).toString('base64url')}`,
      'cursor',
    ],
    ['an unknown format', 'format=xml', 'format'],
    ['limit with an export', 'format=csv&limit=10', 'limit'],
    ['a cursor that is not base64url', 'cursor=%2B%2F%3D', 'cursor'],
    ['a cursor of garbage', `cursor=${Buffer.from('hello').toString('base64url')}`, 'cursor'],
    [
      'a cursor with a changed character',
      `cursor=${valid.slice(0, 10)}${valid[10] === 'A' ? 'B' : 'A'}${valid.slice(11)}`,
      'cursor',
    ],
    ['a cursor with a bad id', `cursor=${Buffer.from(`v1|${at(3, 0)}|not-a-uuid`).toString('base64url')}`, 'cursor'],
    [
      'a cursor of another version',
      `cursor=${Buffer.from(`v2|${at(3, 0)}|${uuid()}`).toString('base64url')}`,
      'cursor',
    ],
    [
      'a cursor with an impossible date',
      `cursor=${Buffer.from(`v1|2026-02-30T25:00:00.000000Z|${uuid()}`).toString('base64url')}`,
      'cursor',
    ],
    ['an unknown parameter', 'workshop=1', ''],
  ])('%s', async (_what, query, path) => {
    const r = await get(query);
    expect(r.status, r.text).toBe(400);
    const error = r.json.error as { code: string; message: string; details: Array<{ path: string; message: string }> };
    expect(error.code).toBe('invalid_request');
    expect(error.details.map((d) => d.path)).toContain(path);
    if (path === '') expect(error.message).toContain('workshop');
    else expect(error.message).toContain(path);
  });

  it('a well-formed cursor of this API pages on (any position is valid)', async () => {
    expect((await get(`cursor=${valid}`)).status).toBe(200);
  });
});

describe('GET /api/events auth', () => {
  it.each([
    ['no token', null],
    ['the ingest token', INGEST_TOKEN],
    ['a wrong token', 'not-the-admin-token-0123456789'],
  ])('answers 401 with %s, for pages and exports alike', async (_what, token) => {
    for (const q of ['', 'format=csv', 'format=ndjson']) {
      const r = await get(q, token);
      expect(r.status).toBe(401);
      expect((r.json.error as { code: string }).code).toBe('unauthorized');
    }
  });
});

// --- values returned as stored, and hostile values through CSV and NDJSON ---
const HOSTILE = [
  '=HYPERLINK("http://evil","click")',
  '+1+1',
  '-2-2',
  '@SUM(A1:A2)',
  'comma, "quotes" and\nnewline\r\nCRLF',
  'emoji 🚗🔧 and U+2028 \u2028 and U+2029 \u2029',
  '\ttab first',
  '"quoted"',
];

describe('GET /api/events returns events as stored', () => {
  const w = uuid();
  const full = ev('workshop_dashboard_accessed', {
    workshop_id: w,
    user_id: uuid(),
    mechanic_id: uuid(),
    admin_id: uuid(),
    session_id: 'sess full',
    occurred_at: '2026-04-01T08:00:00.001+02:00',
    success: false,
    error_message: 'upstream timeout',
    duration_ms: 2_147_483_647,
    ip_address: '203.0.113.77',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) ' + 'x'.repeat(400),
    metadata: { tiny: 1e-300, nested: { a: [1, 'two', null, true] }, s: HOSTILE[5] },
  });
  const hostile = HOSTILE.map((text, i) =>
    ev('email_invite_failed', {
      workshop_id: w,
      occurred_at: `2026-04-02T00:00:0${i}.000000Z`,
      session_id: text.replace(/[\r\n]/g, ' ').slice(0, 100),
      error_message: text,
      user_agent: text.slice(0, 500),
      metadata: { [text]: text, n: -5 },
    }),
  );

  beforeAll(async () => {
    const r = await postEvents(svc.url, { events: [full, ...hostile] });
    expect(r.status, r.text).toBe(202);
  });

  it('every column, IP as IP_MODE (truncate) kept it, user agent and metadata in full, times in UTC microseconds', async () => {
    const r = await get(`workshop_id=${w}&type=workshop_dashboard_accessed`);
    const [e] = r.json.events as Json[];
    expect(Object.keys(e!)).toEqual(COLUMNS);
    expect(e).toMatchObject({
      id: full.id,
      type: 'workshop_dashboard_accessed',
      category: 'activity',
      occurred_at: '2026-04-01T06:00:00.001000Z',
      workshop_id: w,
      user_id: full.user_id,
      mechanic_id: full.mechanic_id,
      admin_id: full.admin_id,
      session_id: 'sess full',
      success: false,
      error_message: 'upstream timeout',
      duration_ms: 2_147_483_647,
      ip_address: '203.0.113.0/24',
      user_agent: full.user_agent,
    });
    expect(e![STORED_AT_COLUMN]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Math.abs(Date.parse(e![STORED_AT_COLUMN] as string) - Date.now())).toBeLessThan(120_000);
    expect(e!.metadata).toEqual(full.metadata);
    // jsonb's own text is written through, not parsed and re-serialised (JavaScript would write 1e-300)
    expect(r.text).toContain(`"tiny": 0.${'0'.repeat(299)}1`);
  });

  it('CSV: header of every column, one record per event, quoting, and formula cells neutralised with a quote', async () => {
    const r = await get(`workshop_id=${w}&type=email_invite_failed&format=csv`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="events.csv"');
    const [header, ...records] = parseCsv(r.text);
    expect(header).toEqual(COLUMNS);
    expect(records).toHaveLength(HOSTILE.length);
    const col = (name: string) => COLUMNS.indexOf(name);
    records.forEach((cells, i) => {
      const text = HOSTILE[i]!;
      const shown = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
      expect(cells).toHaveLength(COLUMNS.length);
      expect(cells[col('id')]).toBe(hostile[i]!.id);
      expect(cells[col('error_message')]).toBe(shown);
      expect(cells[col('user_agent')]).toBe(shown);
      expect(cells[col('success')]).toBe('true');
      expect(cells[col('mechanic_id')]).toBe('');
      expect(JSON.parse(cells[col('metadata')]!)).toEqual({ [text]: text, n: -5 });
    });
    // no formula-looking cell is left as it was
    for (const cells of records) for (const c of cells) expect(c).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('NDJSON: one JSON object per line, equal to the page objects, hostile text intact', async () => {
    const q = `workshop_id=${w}`;
    const r = await get(`${q}&format=ndjson`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(r.text.endsWith('\n')).toBe(true);
    const lines = r.text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(1 + HOSTILE.length);
    const parsed = lines.map((l) => JSON.parse(l) as Json);
    expect(parsed).toEqual((await get(`${q}&limit=1000`)).json.events);
    parsed.slice(1).forEach((e, i) => {
      expect(e.error_message).toBe(HOSTILE[i]);
      expect(e.user_agent).toBe(HOSTILE[i]);
      expect(e.metadata).toEqual({ [HOSTILE[i]!]: HOSTILE[i], n: -5 });
    });
  });

  describe('exports are written by PostgreSQL (COPY), byte for byte as the page objects and the CSV writer', () => {
    // control characters, DEL, quotes, backslashes, CR/LF, U+2028/U+2029, emoji, formula starts, an empty text
    const TEXTS = [
      'ctl \u0001\u0002\u0008\u000b\u000c\u001b\u001f del \u007f end',
      'back\\slash \\" and \\u0041 and \\n literal',
      '"quoted", comma\r\nCRLF\nLF\ttab',
      'U+2028 \u2028 U+2029 \u2029 emoji 🚗🔧 é ü 中文',
      '=1+1',
      '-\u0001',
      '\r=CR first',
      '\\.',
      '',
    ];
    const wc = uuid();
    const events = TEXTS.map((text, i) =>
      ev('email_invite_failed', {
        workshop_id: wc,
        occurred_at: `2026-04-03T00:00:0${i}.000000Z`,
        error_message: text === '' ? 'empty user agent' : text,
        ...(text === '' ? {} : { session_id: text.slice(0, 100) }),
        user_agent: text,
        duration_ms: i,
        success: i % 2 === 0,
        metadata: { [text]: text, list: [text, -1.5, null, false], nested: { t: text } },
      }),
    );

    beforeAll(async () => {
      const r = await postEvents(svc.url, { events });
      expect(r.status, r.text).toBe(202);
    });

    it('NDJSON is the page text: each line one object exactly as in the page', async () => {
      const page = await get(`workshop_id=${wc}&limit=1000`);
      const body = (await get(`workshop_id=${wc}&format=ndjson`)).text;
      expect(body.endsWith('\n')).toBe(true);
      const lines = body.slice(0, -1).split('\n');
      expect(lines).toHaveLength(TEXTS.length);
      expect(page.text).toBe(`{"events":[${lines.join(',')}],"next_cursor":null}`);
      lines.forEach((l, i) => {
        const e = JSON.parse(l) as Json;
        expect(e.user_agent).toBe(TEXTS[i]);
        expect(e.metadata).toEqual(events[i]!.metadata);
      });
    });

    it('CSV is what src/http/csv.ts writes for the page objects (metadata as its stored text)', async () => {
      const page = await get(`workshop_id=${wc}&limit=1000`);
      const objects = page.text.slice('{"events":['.length, -'],"next_cursor":null}'.length);
      const body = (await get(`workshop_id=${wc}&format=csv`)).text;
      const expected =
        csvLine(COLUMNS) +
        (page.json.events as Json[])
          .map((e, i) => {
            // metadata is the last field of each object: its stored JSON text as the page wrote it
            const object = objects.split(/(?<=\}),(?=\{"id")/)[i]!;
            const metadata = object.slice(object.indexOf(',"metadata":') + ',"metadata":'.length, -1);
            return csvLine(COLUMNS.map((c) => (c === 'metadata' ? metadata : e[c])));
          })
          .join('');
      expect(body).toBe(expected);
      const records = parseCsv(body).slice(1);
      records.forEach((cells, i) => {
        const text = TEXTS[i]!;
        expect(cells[COLUMNS.indexOf('user_agent')]).toBe(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
      });
    });
  });

  it('an export of several batches (2,500 events) ends, with every event once, in order', async () => {
    const many = uuid();
    for (let b = 0; b < 3; b++) {
      const events = Array.from({ length: b < 2 ? 1000 : 500 }, (_, i) =>
        ev('workshop_dashboard_accessed', {
          workshop_id: many,
          occurred_at: at(25, b, i),
          user_agent: 'u'.repeat(400),
        }),
      );
      expect((await postEvents(svc.url, { events })).status).toBe(202);
    }
    for (const format of ['ndjson', 'csv']) {
      const r = await get(`workshop_id=${many}&format=${format}`);
      const lines = r.text.trimEnd().split('\n');
      if (format === 'csv') lines.shift();
      expect(lines).toHaveLength(2500);
      if (format === 'ndjson') {
        const times = lines.map((l) => (JSON.parse(l) as Json).occurred_at as string);
        expect(times).toEqual([...times].sort());
      }
    }
  });

  it('an export of nothing is the CSV header alone, and an empty NDJSON body', async () => {
    const none = `workshop_id=${uuid()}`;
    expect((await get(`${none}&format=csv`)).text).toBe(`${COLUMNS.join(',')}\n`);
    expect((await get(`${none}&format=ndjson`)).text).toBe('');
  });

  it('exports apply the filters and a cursor like pages do', async () => {
    const page = await get(`workshop_id=${w}&limit=3`);
    const cursor = page.json.next_cursor as string;
    const rest = await get(`workshop_id=${w}&cursor=${cursor}&format=ndjson`);
    const restIds = rest.text
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Json).id);
    const allIds = ids((await get(`workshop_id=${w}&limit=1000`)).json.events as Json[]);
    expect(restIds).toEqual(allIds.slice(3));
  });
});
