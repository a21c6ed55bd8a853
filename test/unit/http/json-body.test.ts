/**
 * The one JSON body reader (src/http/json-body.ts), over a real loopback HTTP server: what each kind of body,
 * encoding, charset and size gets, and what an upload the client abandons gets.
 */
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { checkJsonContentType, jsonContentType, readJsonBody } from '../../../src/http/json-body.js';

const LIMIT = 1000;

interface Outcome {
  status: number;
  body: unknown;
}

/** What the server made of the last request: the parsed body, or the AppError (code, status, message). */
let seen: Promise<unknown> = Promise.resolve();
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const result = (async () => {
      const refused = checkJsonContentType(req);
      if (refused) throw refused;
      return readJsonBody(req, LIMIT);
    })();
    seen = result.catch((e: unknown) => e);
    result.then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ body }));
      },
      (err: unknown) => {
        const e = err as AppError;
        res.writeHead(e.status ?? 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: e.code, message: e.message }));
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function send(body: Buffer | string | undefined, headers: Record<string, string | number>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (text: string, extra: Record<string, string | number> = {}) =>
  send(text, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });

describe('readJsonBody', () => {
  it('parses an object and an array; an empty body reads as {}; a UTF-8 BOM is skipped', async () => {
    expect(await json('{"a":1,"b":"é"}')).toEqual({ status: 200, body: { body: { a: 1, b: 'é' } } });
    expect(await json('[1,2]')).toEqual({ status: 200, body: { body: [1, 2] } });
    expect(await json('')).toEqual({ status: 200, body: { body: {} } });
    expect(await json('\ufeff{"a":1}')).toEqual({ status: 200, body: { body: { a: 1 } } });
  });

  it.each(['{"a":', '"just a string"', '42', 'null', ' x'])('answers 400 invalid_json for %j', async (text) => {
    const r = await json(text);
    expect(r).toEqual({ status: 400, body: { code: 'invalid_json', message: 'request body is not valid JSON' } });
  });

  it('refuses a body whose declared Content-Length is over the limit with 413, without reading it', async () => {
    const text = JSON.stringify({ pad: 'x'.repeat(LIMIT) });
    const r = await json(text);
    expect(r).toEqual({
      status: 413,
      body: { code: 'payload_too_large', message: `request body exceeds ${LIMIT} bytes` },
    });
  });

  it('refuses a chunked body that streams past the limit with 413', async () => {
    const text = JSON.stringify({ pad: 'x'.repeat(LIMIT) });
    const r = await send(text, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 'payload_too_large' });
  });

  it('accepts a body of exactly the limit', async () => {
    const pad = 'x'.repeat(LIMIT - '{"p":""}'.length);
    const r = await json(`{"p":"${pad}"}`);
    expect(r.status).toBe(200);
  });

  it.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
    ['identity', (b: Buffer) => b],
  ] as const)('inflates a %s body', async (encoding, compress) => {
    const body = compress(Buffer.from('{"n":7}'));
    const r = await send(body, {
      'content-type': 'application/json',
      'content-encoding': encoding,
      'content-length': body.length,
    });
    expect(r).toEqual({ status: 200, body: { body: { n: 7 } } });
  });

  it('counts the limit after inflating: a small gzip body that inflates past it gets 413', async () => {
    const body = zlib.gzipSync(Buffer.from(JSON.stringify({ pad: 'x'.repeat(LIMIT * 10) })));
    expect(body.length).toBeLessThan(LIMIT);
    const r = await send(body, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': body.length,
    });
    expect(r.status).toBe(413);
  });

  it('answers 400 invalid_json for a body that is not valid gzip', async () => {
    const r = await send('not gzip', {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': 8,
    });
    expect(r).toEqual({ status: 400, body: { code: 'invalid_json', message: 'request body is not valid JSON' } });
  });

  it.each(['compress', 'zstd', 'gzip, br'])('answers 415 for the unsupported Content-Encoding %j', async (enc) => {
    const r = await json('{}', { 'content-encoding': enc });
    expect(r).toEqual({
      status: 415,
      body: { code: 'unsupported_media_type', message: 'unsupported body encoding or charset' },
    });
  });

  const INVALID_ENCODING = { code: 'invalid_encoding', message: 'request body is not valid UTF-8' };
  const bytes = (...parts: Array<string | number[]>) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

  it.each([
    ['a lone continuation byte', bytes('{"a":"', [0x80], '"}')],
    ['a truncated two-byte sequence', bytes('{"a":"', [0xc3], '"}')],
    ['an overlong encoding of "/"', bytes('{"a":"', [0xc0, 0xaf], '"}')],
    ['an encoded surrogate (CESU-8)', bytes('{"a":"', [0xed, 0xa0, 0x80], '"}')],
    ['0xFF', bytes('{"a":"', [0xff], '"}')],
    ['a code point above U+10FFFF', bytes('{"a":"', [0xf4, 0x90, 0x80, 0x80], '"}')],
    ['invalid bytes in a key', bytes('{"', [0xfe], '":1}')],
  ])('answers 400 invalid_encoding for invalid UTF-8 (%s), instead of reading U+FFFD', async (_name, body) => {
    const r = await send(body, { 'content-type': 'application/json', 'content-length': body.length });
    expect(r).toEqual({ status: 400, body: INVALID_ENCODING });
  });

  it('answers 400 invalid_encoding for invalid UTF-8 inside a gzip body', async () => {
    const body = zlib.gzipSync(bytes('{"a":"', [0x80], '"}'));
    const r = await send(body, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'content-length': body.length,
    });
    expect(r).toEqual({ status: 400, body: INVALID_ENCODING });
  });

  it('reads valid multi-byte UTF-8 split across chunks unchanged', async () => {
    const text = '{"a":"é€🔧\u2028<!channel>"}';
    const body = Buffer.from(text, 'utf8');
    const result = new Promise<Outcome>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
        },
      );
      req.on('error', reject);
      // one byte per chunk: every multi-byte character is split, and each write goes out as its own chunk
      (async () => {
        for (let i = 0; i < body.length; i++) {
          req.write(body.subarray(i, i + 1));
          await new Promise((r) => setImmediate(r));
        }
        req.end();
      })().catch(reject);
    });
    expect(await result).toEqual({ status: 200, body: { body: { a: 'é€🔧\u2028<!channel>' } } });
  });

  it('answers 400 request_aborted when the client abandons the upload midway', async () => {
    seen = new Promise(() => {});
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/json', 'content-length': 500 },
    });
    req.on('error', () => {});
    req.write('{"a":"' + 'y'.repeat(100));
    await new Promise((r) => setTimeout(r, 50));
    const outcome = seen;
    req.destroy();
    const err = (await outcome) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect({ code: err.code, status: err.status }).toEqual({ code: 'request_aborted', status: 400 });
  });
});

describe('checkJsonContentType and jsonContentType', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/json; charset="UTF-8"', 'json'],
    ['Application/JSON', 'json'],
    ['application/vnd.workshop+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'json'],
    ['application/json; charset=latin1', 'bad_charset'],
    ['application/vnd.workshop+json; charset=utf-16', 'bad_charset'],
    ['text/plain', 'other'],
    ['application/jsonx', 'other'],
    ['application/x-www-form-urlencoded', 'other'],
  ])('Content-Type %j is %s', (ct, kind) => {
    expect(jsonContentType(req({ 'content-type': ct, 'content-length': '2' }))).toBe(kind);
  });

  it('a request without Content-Length or Transfer-Encoding has no body, and one without Content-Type is other', () => {
    expect(jsonContentType(req({ 'content-type': 'application/json' }))).toBe('none');
    expect(jsonContentType(req({ 'content-length': '2' }))).toBe('other');
    expect(jsonContentType(req({ 'transfer-encoding': 'chunked', 'content-type': 'application/json' }))).toBe('json');
  });

  it('for a JSON-only endpoint: 415 naming the media type, or the charset; nothing for JSON', () => {
    expect(checkJsonContentType(req({ 'content-type': 'text/plain', 'content-length': '2' }))).toMatchObject({
      status: 415,
      message: 'Content-Type must be application/json',
    });
    expect(checkJsonContentType(req({ 'content-type': 'application/json' }))).toMatchObject({ status: 415 });
    expect(
      checkJsonContentType(req({ 'content-type': 'application/json; charset=latin1', 'content-length': '2' })),
    ).toMatchObject({ status: 415, message: 'unsupported body encoding or charset' });
    expect(checkJsonContentType(req({ 'content-type': 'application/json', 'content-length': '2' }))).toBeUndefined();
  });
});

describe('jsonBody (the Express routes’ reader)', () => {
  it('passes requests without a JSON body on with req.body unset, like express.json(); reads JSON; refuses a bad charset', async () => {
    const { default: express } = await import('express');
    const { jsonBody } = await import('../../../src/http/json-body.js');
    const app = express();
    app.post('/', jsonBody(LIMIT), (req, res) => res.json({ body: req.body === undefined ? 'unset' : req.body }));
    app.use((err: AppError, _req: unknown, res: import('express').Response, _next: unknown) =>
      res.status(err.status).json({ code: err.code }),
    );
    const srv = app.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
    try {
      const post = async (body: string | undefined, ct?: string) => {
        const res = await fetch(base, { method: 'POST', body, headers: ct ? { 'content-type': ct } : {} });
        return { status: res.status, body: (await res.json()) as unknown };
      };
      expect(await post(undefined)).toEqual({ status: 200, body: { body: 'unset' } });
      expect(await post('a=1', 'application/x-www-form-urlencoded')).toEqual({ status: 200, body: { body: 'unset' } });
      expect(await post('{"a":1}', 'application/json')).toEqual({ status: 200, body: { body: { a: 1 } } });
      expect(await post('{"a":', 'application/json')).toEqual({ status: 400, body: { code: 'invalid_json' } });
      expect(await post('{}', 'application/json; charset=latin1')).toEqual({
        status: 415,
        body: { code: 'unsupported_media_type' },
      });
      const big = JSON.stringify({ pad: 'x'.repeat(LIMIT) });
      expect(await post(big, 'application/json')).toEqual({ status: 413, body: { code: 'payload_too_large' } });
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
