/**
 * How a feature documents its HTTP routes for the OpenAPI document (openapi-document.ts): each route's zod
 * schemas (the ones that validate its requests, and zod schemas of its answers), its token, examples for every
 * request and every error. The error examples are made by the code that answers them where it can be called
 * without a server (tokenCheck, parseRequest, the body reader), so they cannot drift from what is sent.
 */
import { z } from 'zod';
import { AppError } from '../errors.js';
import { tokenCheck, type TokenScope } from './auth.js';
import { errorBody } from './error-handler.js';
import { BODY_ERRORS } from './json-body.js';
import { parseRequest } from './request-validation.js';

/**
 * Who may call a route: `none`, one token kind, or `adminOptional` / `metricsOptional` (anyone; the token adds
 * details, or is wanted only when METRICS_TOKENS is set).
 */
export type RouteAuth = 'none' | 'ingest' | 'admin' | 'alertWebhook' | 'adminOptional' | 'metricsOptional';

export interface Example<T = unknown> {
  summary: string;
  value: T;
}

export type ErrorJson = ReturnType<typeof errorBody>;

export interface ErrorDoc {
  description: string;
  /** Answered with Retry-After (seconds). */
  retryAfter?: boolean;
  examples: Record<string, Example<ErrorJson>>;
}

export interface MediaDoc {
  /** The zod schema of the body; none: a text format described in `description`. */
  schema?: z.ZodType;
  example?: unknown;
}

export interface ResponseDoc {
  description: string;
  /** Media type → body; none: no body. */
  content?: Record<string, MediaDoc>;
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }>;
}

export interface RouteDoc {
  method: 'get' | 'post';
  /** As Express registers it (`/api/workshops/:id/health`); the document writes `{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  auth: RouteAuth;
  /** The route's query schema (a zod object): one parameter per key. */
  query?: z.ZodObject;
  /** What a query parameter means, where its schema does not say (its `.meta({ description })`). */
  queryDescriptions?: Record<string, string>;
  /** Examples of whole query strings (each key a parameter, as its schema types it; a list for a repeated one). */
  queryExamples?: Record<string, Example<Record<string, string | number | string[]>>>;
  /** Path parameters: each is a UUID (uuidParam). */
  pathParams?: Record<string, { description: string; example: string }>;
  body?: { schema: z.ZodType; required: boolean; examples: Record<string, Example> };
  responses: Record<number, ResponseDoc>;
  errors: Record<number, ErrorDoc>;
}

/** What a feature documents: its routes, and schemas it names (shared by several routes, or worth a name). */
export interface FeatureDoc {
  routes: readonly RouteDoc[];
  schemas?: Record<string, z.ZodType>;
}

/** The error body's schema: what sendError writes. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^[a-z_]+$/),
    message: z.string().min(1),
    details: z
      .array(
        z.strictObject({
          index: z.number().int().min(-1).optional(),
          path: z.string(),
          message: z.string(),
        }),
      )
      .optional(),
  }),
});

/** An error example: the body the error handler answers `e` with. */
export const errorExample = (summary: string, e: AppError): Example<ErrorJson> => ({ summary, value: errorBody(e) });

/** The error `fail` throws (an AppError: what the route would answer), as an example. */
export function thrownExample(summary: string, fail: () => unknown): Example<ErrorJson> {
  try {
    fail();
  } catch (e) {
    if (e instanceof AppError) return errorExample(summary, e);
    throw e;
  }
  throw new Error(`the example "${summary}" does not fail: it cannot illustrate an error`);
}

/** The 400 parseRequest answers for `input` (which must fail `schema`), as an example. */
export const invalidRequestExample = (summary: string, schema: z.ZodType, input: unknown, inMessage?: number) =>
  thrownExample(summary, () => parseRequest(schema, input, inMessage));

const SCOPES: Record<Exclude<RouteAuth, 'none' | 'adminOptional' | 'metricsOptional'>, TokenScope> = {
  ingest: 'ingest',
  admin: 'admin',
  alertWebhook: 'alert webhook',
};

/** 401 for a route wanting `auth`'s token: no Authorization header, or a token that is not one of them. */
export function unauthorized(auth: keyof typeof SCOPES | 'metrics'): Record<401, ErrorDoc> {
  const scope = auth === 'metrics' ? 'metrics' : SCOPES[auth];
  const check = tokenCheck(['a-token-that-is-never-sent-0123'], scope);
  return {
    401: {
      description: `No bearer token, or not a valid ${scope} token. Nothing was done.`,
      examples: {
        missing: errorExample('no Authorization header', check(undefined)!),
        invalid: errorExample(`a token that is not a ${scope} token`, check('Bearer wrong-token-0123456789')!),
      },
    },
  };
}

/** 503 when PostgreSQL cannot be reached (the composition root's classifier, db/pool.ts: databaseErrorAnswer). */
export const databaseUnavailable: Record<503, ErrorDoc> = {
  503: {
    description: 'PostgreSQL is unreachable, read-only or timed out; nothing was changed. Retry after Retry-After.',
    retryAfter: true,
    examples: {
      database_unavailable: {
        summary: 'the database is unavailable',
        value: {
          error: {
            code: 'database_unavailable',
            message: 'the database is unavailable; nothing was changed, retry later',
          },
        },
      },
    },
  },
};

/** 500: a defect; logged with the request id (X-Request-Id). */
export const internalError: Record<500, ErrorDoc> = {
  500: {
    description: 'A defect of the service, logged with the request id (the X-Request-Id header).',
    examples: {
      internal: {
        summary: 'unexpected error',
        value: { error: { code: 'internal', message: 'internal server error' } },
      },
    },
  },
};

/** The JSON body reader's refusals (json-body.ts), for a route reading at most `limit` bytes. */
export function bodyErrors(limit: number): Record<400 | 413 | 415, ErrorDoc> {
  return {
    400: {
      description: 'The body is not UTF-8 or not JSON, or the upload was aborted. Nothing was done.',
      examples: {
        invalid_json: errorExample('a body that is not JSON', BODY_ERRORS.invalidJson()),
        invalid_encoding: errorExample('bytes that are not UTF-8', BODY_ERRORS.invalidEncoding()),
        request_aborted: errorExample('the client stopped sending', BODY_ERRORS.aborted()),
      },
    },
    413: {
      description: `The body is over ${limit} bytes (after inflating gzip, deflate or br). Nothing was done.`,
      examples: { payload_too_large: errorExample('a body over the limit', BODY_ERRORS.tooLarge(limit)) },
    },
    415: {
      description: 'A charset other than UTF-8, or an unknown Content-Encoding. Nothing was done.',
      examples: {
        unsupported_media_type: errorExample(
          'Content-Type: application/json; charset=latin1',
          BODY_ERRORS.unsupportedEncoding(),
        ),
      },
    },
  };
}

/** Merges error docs of one status (their examples side by side; the first description and Retry-After). */
export function errors(...docs: Array<Record<number, ErrorDoc>>): Record<number, ErrorDoc> {
  const out: Record<number, ErrorDoc> = {};
  for (const d of docs)
    for (const [status, doc] of Object.entries(d)) {
      const prev = out[Number(status)];
      out[Number(status)] = prev
        ? {
            description: `${prev.description} ${doc.description}`,
            retryAfter: Boolean(prev.retryAfter || doc.retryAfter),
            examples: { ...prev.examples, ...doc.examples },
          }
        : doc;
    }
  return out;
}

/** A JSON response of `schema`, with an example. */
export const jsonResponse = (description: string, schema: z.ZodType, example?: unknown): ResponseDoc => ({
  description,
  content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } },
});
