/**
 * Builds the OpenAPI 3.1 document from the features' route docs (api-doc.ts). Every schema of a JSON body or a
 * parameter comes from zod (zod's own `z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses it): request
 * bodies and query parameters from the schemas that validate them, answers from zod schemas of the answers. Only
 * the two headers (X-Request-Id, Retry-After) and the text bodies (CSV, HTML, Prometheus text: `string`) are
 * described here.
 * Deterministic: the same routes give the same document, byte for byte (docs/openapi.json is generated from it).
 */
import { z } from 'zod';
import {
  errorBodySchema,
  type ErrorDoc,
  type FeatureDoc,
  type ResponseDoc,
  type RouteAuth,
  type RouteDoc,
} from './api-doc.js';
import { UUID_PATTERN } from './request-validation.js';

export interface ApiInfo {
  title: string;
  version: string;
  description: string;
  tags: ReadonlyArray<{ name: string; description: string }>;
}

type Json = Record<string, unknown>;

export const SECURITY_SCHEMES = {
  ingestToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'An ingest token (INGEST_TOKENS, or "ingest" in DATA_DIR/tokens.json): POST /v1/events only.',
  },
  adminToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'An admin token (ADMIN_TOKENS, or "admin" in DATA_DIR/tokens.json): the admin APIs under /api.',
  },
  alertWebhookToken: {
    type: 'http',
    scheme: 'bearer',
    description: "Alertmanager's token (ALERT_WEBHOOK_TOKENS): POST /api/alerts/webhook only.",
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'A metrics token (METRICS_TOKENS): wanted by GET /metrics only when METRICS_TOKENS is set.',
  },
} as const;

const SECURITY: Record<RouteAuth, Array<Record<string, string[]>>> = {
  none: [],
  ingest: [{ ingestToken: [] }],
  admin: [{ adminToken: [] }],
  alertWebhook: [{ alertWebhookToken: [] }],
  adminOptional: [{}, { adminToken: [] }],
  metricsOptional: [{}, { metricsToken: [] }],
};

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
/** Express's `:name` → OpenAPI's `{name}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z_]\w*)/g, '{$1}');

const jsonSchemaOptions = { target: 'draft-2020-12', unrepresentable: 'any' } as const;

/** A JSON Schema without the keys that only a standalone document has. */
function bare(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/**
 * A query schema's parameters. A parameter whose parsed value is a list (`type=a&type=b`) is documented as that
 * list (form, exploded); the others as the text they are given as.
 */
function queryParameters(route: RouteDoc): Json[] {
  if (!route.query) return [];
  const input = z.toJSONSchema(route.query, { ...jsonSchemaOptions, io: 'input' }) as Json;
  const output = z.toJSONSchema(route.query, { ...jsonSchemaOptions, io: 'output' }) as Json;
  const props = (input.properties ?? {}) as Record<string, Json>;
  const outProps = (output.properties ?? {}) as Record<string, Json>;
  const required = (input.required ?? []) as string[];
  return Object.entries(props).map(([name, schema]) => {
    const list = outProps[name]?.type === 'array';
    const { description: own, ...rest } = list ? outProps[name]! : schema;
    const description = route.queryDescriptions?.[name] ?? own;
    const examples = Object.entries(route.queryExamples ?? {}).filter(([, ex]) => ex.value[name] !== undefined);
    return {
      name,
      in: 'query',
      required: required.includes(name),
      ...(description ? { description } : {}),
      ...(list ? { style: 'form', explode: true } : {}),
      schema: rest,
      ...(examples.length
        ? {
            examples: Object.fromEntries(
              examples.map(([k, ex]) => [k, { summary: ex.summary, value: ex.value[name] }]),
            ),
          }
        : {}),
    };
  });
}

function pathParameters(route: RouteDoc, uuid: Json): Json[] {
  return Object.entries(route.pathParams ?? {}).map(([name, p]) => ({
    name,
    in: 'path',
    required: true,
    description: p.description,
    schema: uuid,
    example: p.example,
  }));
}

const REQUEST_ID = { $ref: '#/components/headers/XRequestId' };
const RETRY_AFTER = { $ref: '#/components/headers/RetryAfter' };

export function buildOpenApiDocument(info: ApiInfo, features: readonly FeatureDoc[]): Json {
  const registry = z.registry<{ id: string }>();
  const ref = (schema: z.ZodType, id: string) => {
    if (!registry.has(schema)) registry.add(schema, { id });
    return { $ref: `#/components/schemas/${registry.get(schema)!.id}` };
  };
  ref(errorBodySchema, 'Error');
  for (const f of features) for (const [id, s] of Object.entries(f.schemas ?? {})) ref(s, id);

  const response = (op: string, status: number, r: ResponseDoc): Json => ({
    description: r.description,
    headers: { 'X-Request-Id': REQUEST_ID, ...r.headers },
    ...(r.content
      ? {
          content: Object.fromEntries(
            Object.entries(r.content).map(([type, m]) => [
              type,
              {
                ...(m.schema ? { schema: ref(m.schema, `${pascal(op)}${status}`) } : { schema: { type: 'string' } }),
                ...(m.example !== undefined ? { example: m.example } : {}),
              },
            ]),
          ),
        }
      : {}),
  });
  const errorResponse = (e: ErrorDoc): Json => ({
    description: e.description,
    headers: { 'X-Request-Id': REQUEST_ID, ...(e.retryAfter ? { 'Retry-After': RETRY_AFTER } : {}) },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, examples: e.examples } },
  });
  // the path ids as uuidParam checks them
  const uuid = z.toJSONSchema(z.string().regex(UUID_PATTERN), jsonSchemaOptions) as Json;

  const paths: Record<string, Record<string, Json>> = {};
  const routes = features.flatMap((f) => f.routes);
  for (const route of [...routes].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))) {
    const op = route.operationId;
    const parameters = [...pathParameters(route, bare(uuid)), ...queryParameters(route)];
    const statuses = [...Object.keys(route.responses), ...Object.keys(route.errors)].map(Number).sort((a, b) => a - b);
    (paths[openApiPath(route.path)] ??= {})[route.method] = {
      operationId: op,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: SECURITY[route.auth],
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.body.required,
              content: {
                'application/json': {
                  schema: ref(route.body.schema, `${pascal(op)}Body`),
                  examples: route.body.examples,
                },
              },
            },
          }
        : {}),
      responses: Object.fromEntries(
        statuses.map((s) => [
          String(s),
          route.responses[s] ? response(op, s, route.responses[s]) : errorResponse(route.errors[s]!),
        ]),
      ),
    };
  }

  const converted = z.toJSONSchema(registry, {
    ...jsonSchemaOptions,
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const schemas = Object.fromEntries(
    Object.entries(converted.schemas)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, s]) => [id, bare(s as Json)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: info.description,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: '`npm start` on this machine (PORT, HOST)' }],
    tags: info.tags,
    paths,
    components: {
      securitySchemes: SECURITY_SCHEMES,
      headers: {
        XRequestId: { description: 'The request id, also in the service log of a 5xx.', schema: { type: 'string' } },
        RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
      },
      schemas,
    },
  };
}
