/**
 * POST /v1/events in the OpenAPI document: the body as validation reads it — one event, or `{"events": [...]}` —
 * where each event type is its own schema, made from the base fields (event-schema.ts) with the catalogue's
 * required fields and metadata schema, so a non-TypeScript client sees exactly what each type needs.
 */
import { z } from 'zod';
import {
  EVENT_CATALOGUE,
  EVENT_TYPES,
  type EventType,
  type EventTypeSpec,
  type IdField,
} from '../catalogue/event-catalogue.js';
import { AppError } from '../errors.js';
import {
  bodyErrors,
  errorExample,
  errors,
  internalError,
  jsonResponse,
  unauthorized,
  type FeatureDoc,
} from '../http/api-doc.js';
import { EVENTS_PATH, MAX_BODY_BYTES, overloaded, validationFailed } from './event-routes.js';
import { baseEvent, MAX_BATCH_EVENTS, MAX_METADATA_BYTES, validateBody } from './event-schema.js';

const required = (f: IdField) => (baseEvent.shape[f] as z.ZodOptional<z.ZodType>).unwrap();

/** The schema of one event of type `t`: the catalogue's required fields required, its metadata schema. */
function eventOf(t: EventType) {
  const spec: EventTypeSpec = EVENT_CATALOGUE[t];
  const metadataRequired = !spec.metadata.safeParse({}).success;
  const metadata = spec.metadata.meta({
    description: `${spec.metadataDoc ?? 'Any JSON object'}; at most ${MAX_METADATA_BYTES} bytes as JSON.`,
  });
  return baseEvent
    .extend({
      type: z.literal(t),
      ...Object.fromEntries(spec.requires.map((f) => [f, required(f)])),
      metadata: metadataRequired ? metadata : metadata.optional(),
    })
    .meta({ description: `${spec.description} (category ${spec.category}).` });
}

/** One schema per event type, named `Event_<type>`. */
export const EVENT_SCHEMAS = Object.fromEntries(EVENT_TYPES.map((t) => [`Event_${t}`, eventOf(t)]));

const eventSchema = z
  .discriminatedUnion(
    'type',
    Object.values(EVENT_SCHEMAS) as unknown as [ReturnType<typeof eventOf>, ...Array<ReturnType<typeof eventOf>>],
  )
  .meta({
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(EVENT_TYPES.map((t) => [t, `#/components/schemas/Event_${t}`])),
    },
    description:
      'One event; `type` names its schema. `id` (a UUID the client chooses) makes retries safe: an id already ' +
      'stored is counted in `duplicates`, not stored again. `occurred_at` defaults to the time of arrival and may ' +
      'be at most 5 minutes ahead; `success` defaults to true.',
  });
const batchSchema = z.strictObject({ events: z.array(eventSchema).min(1).max(MAX_BATCH_EVENTS) });

/** The request body: one event, or a batch of 1..1000 (all or nothing). */
export const eventsBody = z.union([eventSchema, batchSchema]);

const accepted = z.strictObject({
  accepted: z.int().min(0).meta({ description: 'Events in the request (new and duplicates alike).' }),
  duplicates: z.int().min(0).meta({ description: 'Events whose id was already stored (not stored again).' }),
});

const WORKSHOP = '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03';
const ADMIN = '0b6e2c1d-7f4a-4e9b-8d3c-2a1f5e6b7c80';
const signup = {
  type: 'workshop_signup_success',
  workshop_id: WORKSHOP,
  metadata: { name: 'Toronto Auto Specialists', city: 'Toronto', capacity: 10 },
};
const session = {
  id: '8d7b1c52-6f0e-4a3d-b2c9-1e4f5a6b7c8d',
  type: 'session_completed',
  workshop_id: WORKSHOP,
  occurred_at: '2026-03-02T14:05:00.000Z',
  duration_ms: 5_400_000,
  metadata: { revenue_cents: 12_500 },
};
const approved = {
  id: '3c2b1a09-8e7d-4c6b-a5f4-e3d2c1b0a998',
  type: 'workshop_approved',
  workshop_id: WORKSHOP,
  admin_id: ADMIN,
  occurred_at: '2026-03-01T09:30:00-05:00',
};

/** The 400 validation answers for `body` (which must be invalid), as an example. */
function invalid(summary: string, body: unknown) {
  const r = validateBody(body, { ipMode: 'truncate', nowMs: Date.parse('2026-03-02T15:00:00Z') });
  if (!('problems' in r)) throw new Error(`the example "${summary}" is a valid body: it cannot illustrate a 400`);
  return errorExample(summary, validationFailed(r.problems));
}

export const eventsDoc: FeatureDoc = {
  schemas: { ...EVENT_SCHEMAS, Event: eventSchema, EventBatch: batchSchema },
  routes: [
    {
      method: 'post',
      path: EVENTS_PATH,
      operationId: 'postEvents',
      tag: 'events',
      summary: 'Store one event or a batch',
      description:
        'Validates every event against the catalogue (docs/events.md); any problem rejects the whole request ' +
        `and nothing is stored. At most ${MAX_BODY_BYTES} bytes (gzip, deflate and br bodies are inflated). ` +
        'Answers 202 only after the events are committed.',
      auth: 'ingest',
      body: {
        schema: eventsBody,
        required: true,
        examples: {
          single: { summary: 'one event', value: signup },
          batch: {
            summary: 'a batch with client-chosen ids (retries are safe)',
            value: { events: [approved, session] },
          },
        },
      },
      responses: {
        202: jsonResponse('Committed: every event of the request is stored (or was already).', accepted, {
          accepted: 2,
          duplicates: 0,
        }),
      },
      errors: errors(
        {
          400: {
            description: 'Invalid events, each problem named by its index in the request and its field.',
            examples: {
              validation_failed: invalid('a session_completed without metadata.revenue_cents', {
                type: 'session_completed',
                workshop_id: WORKSHOP,
              }),
              validation_failed_batch: invalid('a batch whose second event lacks admin_id and has an unknown field', {
                events: [signup, { type: 'workshop_approved', workshop_id: WORKSHOP, colour: 'red' }],
              }),
              validation_failed_type: invalid('an unknown event type', { type: 'workshop_teleported' }),
              invalid_event: errorExample(
                'a value only PostgreSQL refuses',
                new AppError(
                  'invalid_event',
                  400,
                  'the database refused a value of this request (a client mistake validation did not catch); ' +
                    'nothing was stored',
                  [{ index: 0, path: '', message: 'the database refused this event' }],
                ),
              ),
            },
          },
        },
        bodyErrors(MAX_BODY_BYTES),
        unauthorized('ingest'),
        {
          415: {
            description: 'A Content-Type other than application/json.',
            examples: {
              not_json: errorExample(
                'Content-Type: text/plain',
                new AppError('unsupported_media_type', 415, 'Content-Type must be application/json'),
              ),
            },
          },
          503: {
            description:
              'PostgreSQL is unreachable, read-only or out of disk (the events may have been stored: retry with the ' +
              'same ids), or the service is overloaded or shutting down (nothing was stored). Retry after Retry-After.',
            retryAfter: true,
            examples: {
              database_unavailable: errorExample(
                'the database failed during the write',
                new AppError(
                  'database_unavailable',
                  503,
                  'the database is unavailable (unreachable, read-only or out of disk); the events may not have been ' +
                    'stored; retry with the same ids',
                  undefined,
                  5,
                ),
              ),
              overloaded: errorExample('too many bodies being read', overloaded()),
              overloaded_queue: errorExample(
                'the write queue is full',
                new AppError('overloaded', 503, 'too many events waiting to be written; nothing was stored, retry'),
              ),
              shutting_down: errorExample(
                'the service is stopping',
                new AppError('shutting_down', 503, 'the service is shutting down; retry'),
              ),
            },
          },
        },
        internalError,
      ),
    },
  ],
};
