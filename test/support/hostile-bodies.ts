/** Raw bodies for the hostile-input tests (integration) and the body-fuzzing fault test. */
import { ev, uuid } from './events.js';
import { INGEST_TOKEN } from './service.js';

/** Posts a raw body (text or bytes) as JSON; returns the status and the parsed answer. */
export async function post(base: string, body: string | Uint8Array) {
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as { error?: { code: string; details?: unknown[] } } };
}

/** `levels` nested objects as JSON text, written by hand so that no recursive serializer is needed. */
export const deepText = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

export const access = (fields: Record<string, unknown> = {}) =>
  ev('workshop_dashboard_accessed', { workshop_id: uuid(), ...fields });

/** A valid event's JSON text with `fields` spliced in as raw JSON text (for what JSON.stringify cannot write). */
export const accessWithRaw = (raw: string) => JSON.stringify(access()).replace(/}$/, `,${raw}}`);
