/**
 * An in-memory InviteSource: the invitations projection, answering `expirable` like InviteStore's SQL
 * (sent at or before now - TTL, neither accepted nor expired, oldest first, at most `limit`).
 */
import type { InviteSource } from '../../../src/aggregate/alert-checks.js';
import type { ExpirableInvitation } from '../../../src/aggregate/invite-store.js';

const DAY = 86_400_000;

export interface FakeInvitation {
  inviteId: string;
  workshopId: string;
  sentAtMs: number;
  acceptedAtMs?: number | null;
  expiredAtMs?: number | null;
}

export class FakeInviteStore implements InviteSource {
  /** The (nowMs, ttlDays) of every expirable() call. */
  readonly reads: Array<[number, number]> = [];

  constructor(public invitations: FakeInvitation[] = []) {}

  async expirable(nowMs: number, ttlDays: number, limit = 5000): Promise<ExpirableInvitation[]> {
    this.reads.push([nowMs, ttlDays]);
    return this.invitations
      .filter((i) => i.sentAtMs <= nowMs - ttlDays * DAY && !i.acceptedAtMs && !i.expiredAtMs)
      .sort((a, b) => a.sentAtMs - b.sentAtMs)
      .slice(0, limit)
      .map(({ inviteId, workshopId, sentAtMs }) => ({ inviteId, workshopId, sentAtMs }));
  }

  /** Projects stored events, as ingest does in the same transaction: mechanic_invite_expired sets expired_at. */
  project(events: ReadonlyArray<Record<string, unknown>>): void {
    const byId = new Map(this.invitations.map((i) => [i.inviteId, i]));
    for (const e of events) {
      if (e.type !== 'mechanic_invite_expired') continue;
      const inv = byId.get(String((e.metadata as { invite_id?: unknown } | undefined)?.invite_id));
      if (inv) inv.expiredAtMs ??= Date.parse(String(e.occurred_at));
    }
  }
}
