import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/events/event-cursor.js';
import { AppError } from '../../../src/errors.js';

const position = { occurredAt: '2026-03-02T05:00:00.123456Z', id: '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03' };

function refused(cursor: string) {
  try {
    decodeCursor(cursor);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).details).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    return true;
  }
  return false;
}

describe('the paging cursor', () => {
  it('is opaque base64url and decodes to the position it was made of', () => {
    const c = encodeCursor(position);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual(position);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['garbage', Buffer.from('hello').toString('base64url')],
    ['another version', Buffer.from(`v2|${position.occurredAt}|${position.id}`).toString('base64url')],
    ['milliseconds only', Buffer.from(`v1|2026-03-02T05:00:00.123Z|${position.id}`).toString('base64url')],
    ['an impossible date', Buffer.from(`v1|2026-13-40T05:00:00.123456Z|${position.id}`).toString('base64url')],
    ['an upper-case id', Buffer.from(`v1|${position.occurredAt}|${position.id.toUpperCase()}`).toString('base64url')],
    ['a trailing field', Buffer.from(`v1|${position.occurredAt}|${position.id}|x`).toString('base64url')],
    ['far too long', 'A'.repeat(500)],
  ])('refuses %s with a 400 naming cursor', (_what, cursor) => {
    expect(refused(cursor)).toBe(true);
  });

  it('refuses every single-character change of a cursor it issued', () => {
    const c = encodeCursor(position);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(fc.nat({ max: c.length - 1 }), fc.constantFrom(...alphabet), (i, ch) => {
        fc.pre(c[i] !== ch);
        const changed = c.slice(0, i) + ch + c.slice(i + 1);
        // a change either breaks the cursor (400) or names another well-formed position, never a crash
        try {
          const p = decodeCursor(changed);
          expect(encodeCursor(p)).toBe(changed);
        } catch (err) {
          expect((err as AppError).status).toBe(400);
        }
      }),
    );
  });
});
