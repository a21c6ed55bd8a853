/** Invitations that have outlived INVITE_TTL_DAYS without being accepted or expired. */
import type pg from 'pg';

export interface ExpirableInvitation {
  inviteId: string;
  workshopId: string;
  sentAtMs: number;
}

export class InviteStore {
  constructor(private readonly pool: pg.Pool) {}

  async expirable(nowMs: number, ttlDays: number, limit = 5000): Promise<ExpirableInvitation[]> {
    const res = await this.pool.query<{ invite_id: string; workshop_id: string; sent_at: Date }>(
      `SELECT invite_id, workshop_id, sent_at FROM invitations
        WHERE sent_at <= $1 AND accepted_at IS NULL AND expired_at IS NULL
        ORDER BY sent_at LIMIT $2`,
      [new Date(nowMs - ttlDays * 86_400_000), limit],
    );
    return res.rows.map((r) => ({ inviteId: r.invite_id, workshopId: r.workshop_id, sentAtMs: r.sent_at.getTime() }));
  }
}
