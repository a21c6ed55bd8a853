/**
 * owner_notifications: the claim that makes an owner e-mail go out at most once per workshop and kind per period,
 * across replicas and repeated Alertmanager deliveries; and the workshop's name and owner address to write it.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export type ClaimRecipient = 'owner' | 'account_manager';

export interface WorkshopContact {
  name: string | null;
  ownerEmail: string | null;
}

/** A claim this delivery holds; its id fences markSent and release against a later taker. */
export interface OwnerClaim {
  workshopId: string;
  kind: string;
  claimId: string;
}

/** What the notifier needs from PostgreSQL (OwnerNotificationStore; an in-memory fake in unit tests). */
export interface OwnerNotificationClaims {
  /** The workshop's name and owner e-mail (workshops projection); undefined when the workshop is unknown. */
  contact(workshopId: string): Promise<WorkshopContact | undefined>;
  /**
   * Takes the claim for (workshop, kind), or undefined when it is held: sent within `periodDays`, or being sent by
   * another delivery whose claim is younger than `leaseMs` (a claim older than that was left by a replica that
   * died mid-send, and is taken again).
   */
  claim(
    workshopId: string,
    kind: string,
    recipient: ClaimRecipient,
    periodDays: number,
    leaseMs: number,
  ): Promise<OwnerClaim | undefined>;
  /** The e-mail went out: the claim now holds for the period from now. */
  markSent(claim: OwnerClaim): Promise<void>;
  /** The e-mail did not go out: the claim is given up, so a later delivery tries again. */
  release(claim: OwnerClaim): Promise<void>;
}

export class OwnerNotificationStore implements OwnerNotificationClaims {
  constructor(private readonly pool: pg.Pool) {}

  async contact(workshopId: string): Promise<WorkshopContact | undefined> {
    const res = await this.pool.query<{ name: string | null; owner_email: string | null }>(
      `SELECT name, owner_email FROM workshops WHERE workshop_id = $1`,
      [workshopId],
    );
    const r = res.rows[0];
    return r ? { name: r.name, ownerEmail: r.owner_email } : undefined;
  }

  /**
   * One atomic upsert: a new row is the claim; an existing row is taken over only when its e-mail was sent before
   * the period or its unfinished claim is older than the lease. Concurrent takers of one row queue on its lock and
   * re-check the condition against the winner's row, so exactly one of them gets it.
   */
  async claim(
    workshopId: string,
    kind: string,
    recipient: ClaimRecipient,
    periodDays: number,
    leaseMs: number,
  ): Promise<OwnerClaim | undefined> {
    const claimId = randomUUID();
    const res = await this.pool.query(
      `INSERT INTO owner_notifications AS t (workshop_id, kind, claim_id, claimed_at, sent_at, recipient)
       VALUES ($1, $2, $3, now(), NULL, $4)
       ON CONFLICT (workshop_id, kind) DO UPDATE
         SET claim_id = excluded.claim_id, claimed_at = excluded.claimed_at, sent_at = NULL,
             recipient = excluded.recipient
       WHERE (t.sent_at IS NOT NULL AND t.sent_at < now() - make_interval(days => $5::int))
          OR (t.sent_at IS NULL AND t.claimed_at < now() - make_interval(secs => $6::float8 / 1000))
       RETURNING claim_id`,
      [workshopId, kind, claimId, recipient, periodDays, leaseMs],
    );
    return res.rowCount === 1 ? { workshopId, kind, claimId } : undefined;
  }

  async markSent(c: OwnerClaim): Promise<void> {
    await this.pool.query(
      `UPDATE owner_notifications SET sent_at = now() WHERE workshop_id = $1 AND kind = $2 AND claim_id = $3`,
      [c.workshopId, c.kind, c.claimId],
    );
  }

  async release(c: OwnerClaim): Promise<void> {
    await this.pool.query(
      `DELETE FROM owner_notifications WHERE workshop_id = $1 AND kind = $2 AND claim_id = $3 AND sent_at IS NULL`,
      [c.workshopId, c.kind, c.claimId],
    );
  }
}
