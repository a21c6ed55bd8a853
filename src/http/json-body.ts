/**
 * The one JSON body reader, for POST /v1/events and the Express routes alike (in place of express.json()):
 * 415 for a charset other than UTF-8 or an unknown Content-Encoding, 413 past the limit, 400 for bytes that are
 * not UTF-8 (`invalid_encoding`: never silently replaced by U+FFFD), broken JSON, an aborted upload, or a top
 * level that is not an object or array; an empty body reads as `{}`; gzip /
 * deflate / br bodies are inflated. It skips body-parser's per-request setup (type-is, content-type parsing
 * objects, raw-body, iconv) on the hot path, and its error messages are defined here once.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

const unsupportedMediaType = () => new AppError('unsupported_media_type', 415, 'Content-Type must be application/json');
const unsupportedEncoding = () => new AppError('unsupported_media_type', 415, 'unsupported body encoding or charset');
const tooLarge = (limit: number) => new AppError('payload_too_large', 413, `request body exceeds ${limit} bytes`);
const invalidJson = () => new AppError('invalid_json', 400, 'request body is not valid JSON');
const invalidEncoding = () => new AppError('invalid_encoding', 400, 'request body is not valid UTF-8');
const aborted = () => new AppError('request_aborted', 400, 'request aborted by the client');

/** The body reader's refusals, for the API's documentation (openapi). */
export const BODY_ERRORS = {
  unsupportedMediaType,
  unsupportedEncoding,
  tooLarge,
  invalidJson,
  invalidEncoding,
  aborted,
};

/**
 * What a request's headers say about its body: `none` (no Content-Length or Transfer-Encoding, like type-is),
 * `other` (no Content-Type, or neither `application/json` nor a `+json` type), `bad_charset` (a JSON type with
 * a charset other than UTF-8), or `json`.
 */
export function jsonContentType(req: IncomingMessage): 'none' | 'other' | 'bad_charset' | 'json' {
  const h = req.headers;
  if (h['content-length'] === undefined && h['transfer-encoding'] === undefined) return 'none';
  const ct = h['content-type'];
  if (ct === undefined) return 'other';
  const semi = ct.indexOf(';');
  const type = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  if (type !== 'application/json' && !/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+\+json$/.test(type)) return 'other';
  if (semi >= 0) {
    for (const param of ct.slice(semi + 1).split(';')) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
      const charset = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
      if (charset !== 'utf-8') return 'bad_charset';
    }
  }
  return 'json';
}

/** For an endpoint that takes only JSON: the 415 to answer, or undefined when the request carries JSON. */
export function checkJsonContentType(req: IncomingMessage): AppError | undefined {
  const kind = jsonContentType(req);
  if (kind === 'json') return undefined;
  return kind === 'bad_charset' ? unsupportedEncoding() : unsupportedMediaType();
}

/**
 * Express middleware reading a JSON body of at most `limit` bytes into `req.body`. Like express.json(), a
 * request without a body or with a non-JSON type is passed on with `req.body` unset (the route's validation
 * names what is missing); a JSON body that cannot be read is answered with the errors above.
 */
export function jsonBody(limit: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const kind = jsonContentType(req);
    if (kind === 'none' || kind === 'other') return next();
    if (kind === 'bad_charset') return next(unsupportedEncoding());
    readJsonBody(req, limit).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}

function decoder(encoding: string): Transform | null | undefined {
  switch (encoding) {
    case 'identity':
      return null;
    case 'gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** Reads off (and discards) the rest of the request, then settles: the client gets its answer, not a reset. */
function drain(req: IncomingMessage, done: () => void): void {
  if (req.complete || req.destroyed) {
    done();
    return;
  }
  req.once('end', done);
  req.once('close', done);
  req.resume();
}

/** Reads the body (at most `limit` bytes after decoding) and parses it as JSON; rejects with AppError. */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return readJsonBodySized(req, limit).then((r) => r.value);
}

/** readJsonBody, with the size of the body read (after decoding), for callers that account for memory. */
export function readJsonBodySized(req: IncomingMessage, limit: number): Promise<{ value: unknown; bytes: number }> {
  return new Promise((resolve, reject) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    const dec = decoder(encoding);
    if (dec === undefined) {
      drain(req, () => reject(unsupportedEncoding()));
      return;
    }
    const declared = req.headers['content-length'];
    if (dec === null && declared !== undefined && Number(declared) > limit) {
      drain(req, () => reject(tooLarge(limit)));
      return;
    }
    const stream: Readable = dec ?? req;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: AppError) => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      if (dec) {
        req.unpipe(dec);
        dec.destroy();
      }
      drain(req, () => reject(err));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
      else chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.once('end', () => {
      if (settled) return;
      settled = true;
      // decoded only once whole, so a character split across chunks is read as one
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      if (!isUtf8(bytes)) {
        reject(invalidEncoding());
        return;
      }
      let text = bytes.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      try {
        resolve({ value: parseStrict(text), bytes: size });
      } catch (err) {
        reject(err);
      }
    });
    stream.on('error', () => fail(dec ? invalidJson() : aborted()));
    if (dec) {
      req.on('error', () => fail(aborted()));
      req.pipe(dec);
    }
    req.once('aborted', () => fail(aborted()));
  });
}

/** body-parser's strict JSON: empty is `{}`, the top level must be an object or an array. */
function parseStrict(text: string): unknown {
  if (text.length === 0) return {};
  const c = text[0];
  const first = c === '{' || c === '[' ? c : /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw invalidJson();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidJson();
  }
}
