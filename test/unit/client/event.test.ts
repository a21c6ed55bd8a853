import { describe, expect, it } from 'vitest';
import { bodyBytes, encodeBody, splitInHalves } from '../../../packages/client/src/batch.js';
import { encodeEvent } from '../../../packages/client/src/event.js';
import { EventQueue } from '../../../packages/client/src/queue.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');

describe('encodeEvent', () => {
  it('when id and occurred_at are absent, then a UUID and the current time are filled in', () => {
    const r = encodeEvent(
      { type: 'workshop_signup_started', session_id: 's', user_id: undefined, admin_id: null },
      1 << 20,
      NOW,
    );
    if (!r.ok) throw new Error(r.message);
    const parsed = JSON.parse(r.event.json) as Record<string, unknown>;
    expect(parsed).toEqual({
      type: 'workshop_signup_started',
      session_id: 's',
      id: r.event.id,
      occurred_at: '2025-03-01T12:00:00.000Z',
    });
    expect(r.event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.event.bytes).toBe(Buffer.byteLength(r.event.json));
  });

  it.each([
    [{ type: 'x', workshop_id: 'abc' }, 'workshop_id must be a UUID'],
    [{ type: 'x', occurred_at: '2025-03-01 12:00' }, 'occurred_at must be an RFC 3339 timestamp with a time zone'],
    [{ type: 'x', ip_address: '999.1.1.1' }, 'ip_address must be an IPv4 or IPv6 address'],
    [{ type: 'x', success: 'yes' }, 'success must be a boolean'],
    [{ type: 'x', metadata: [1] }, 'metadata must be an object'],
    [{ session_id: 's' }, 'type is required'],
    [{ type: 'x', extra: 1 }, 'unknown field "extra"'],
    ['str', 'an event must be an object, got string'],
  ])('when the event is %j, then it is invalid: %s', (input, message) => {
    expect(encodeEvent(input, 1 << 20, NOW)).toEqual({ ok: false, reason: 'invalid', message });
  });

  it('when a multibyte event does not fit a body, then it is too_large (bytes, not characters)', () => {
    const r = encodeEvent({ type: 'x', metadata: { s: 'é'.repeat(60) } }, 150, NOW);
    expect(r).toMatchObject({ ok: false, reason: 'too_large' });
  });
});

describe('batches and queue', () => {
  const ev = (n: number) => {
    const r = encodeEvent({ type: 'x', session_id: String(n) }, 1 << 20, NOW);
    if (!r.ok) throw new Error(r.message);
    return r.event;
  };

  it('when a body is built, then its size is exactly what bodyBytes predicts', () => {
    const events = [ev(1), ev(2), ev(3)];
    const body = encodeBody(events);
    expect(Buffer.byteLength(body)).toBe(bodyBytes(events));
    expect((JSON.parse(body) as { events: unknown[] }).events).toHaveLength(3);
    expect(splitInHalves([1, 2, 3])).toEqual([[1, 2], [3]]);
  });

  it('when batches are taken, then they respect both the count and the byte limit, in order', () => {
    const q = new EventQueue(100);
    const events = Array.from({ length: 10 }, (_, i) => ev(i));
    for (const e of events) q.push(e);
    const limit = bodyBytes(events.slice(0, 3));
    expect(q.takeBatch(5, limit)).toEqual(events.slice(0, 3));
    expect(q.takeBatch(2, 1 << 20)).toEqual(events.slice(3, 5));
    expect(q.length).toBe(5);
    expect(q.drain()).toEqual(events.slice(5));
    expect(q.bytes).toBe(0);
  });

  it('when the queue is at capacity, then push refuses', () => {
    const q = new EventQueue(1);
    expect(q.push(ev(1))).toBe(true);
    expect(q.push(ev(2))).toBe(false);
    expect(q.length).toBe(1);
  });
});
