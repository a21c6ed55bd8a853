/**
 * In-memory stand-ins for the owner e-mail's ports: FakeOwnerClaims answers like OwnerNotificationStore's SQL
 * (a claim is taken when there is none, when the last e-mail was sent more than `periodDays` ago, or when an
 * unfinished claim is older than the lease), on a clock the test moves; FakeMailer records or fails sends.
 */
import { randomUUID } from 'node:crypto';
import type { OwnerMail, OwnerMailer } from '../../../src/alerts/owner-mailer.js';
import type {
  OwnerNotificationMetrics,
  OwnerNotificationOutcome,
  OwnerNotificationRecipient,
} from '../../../src/alerts/owner-notification-metrics.js';
import type {
  ClaimRecipient,
  OwnerClaim,
  OwnerNotificationClaims,
  WorkshopContact,
} from '../../../src/alerts/owner-notification-store.js';

const DAY = 86_400_000;

interface Row {
  claimId: string;
  claimedAtMs: number;
  sentAtMs: number | null;
  recipient: ClaimRecipient;
}

export class FakeOwnerClaims implements OwnerNotificationClaims {
  nowMs = Date.parse('2026-11-20T12:00:00Z');
  readonly contacts = new Map<string, WorkshopContact>();
  readonly rows = new Map<string, Row>();
  /** Makes contact() fail (a database error). */
  failContact = false;

  async contact(workshopId: string): Promise<WorkshopContact | undefined> {
    if (this.failContact) throw new Error('connection terminated');
    return this.contacts.get(workshopId);
  }

  async claim(workshopId: string, kind: string, recipient: ClaimRecipient, periodDays: number, leaseMs: number) {
    const key = `${workshopId}|${kind}`;
    const row = this.rows.get(key);
    const free =
      !row ||
      (row.sentAtMs !== null && row.sentAtMs < this.nowMs - periodDays * DAY) ||
      (row.sentAtMs === null && row.claimedAtMs < this.nowMs - leaseMs);
    if (!free) return undefined;
    const claimId = randomUUID();
    this.rows.set(key, { claimId, claimedAtMs: this.nowMs, sentAtMs: null, recipient });
    return { workshopId, kind, claimId };
  }

  async markSent(c: OwnerClaim) {
    const row = this.rows.get(`${c.workshopId}|${c.kind}`);
    if (row?.claimId === c.claimId) row.sentAtMs = this.nowMs;
  }

  async release(c: OwnerClaim) {
    const key = `${c.workshopId}|${c.kind}`;
    const row = this.rows.get(key);
    if (row?.claimId === c.claimId && row.sentAtMs === null) this.rows.delete(key);
  }
}

export class FakeMailer implements OwnerMailer {
  readonly sent: OwnerMail[] = [];
  /** The next sends fail with this error (until cleared). */
  failWith: Error | undefined;
  /** Each send waits for this promise first (a slow SMTP server). */
  gate: Promise<void> | undefined;
  closed = 0;

  async send(mail: OwnerMail) {
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    this.sent.push(mail);
  }

  close() {
    this.closed++;
  }
}

export class RecordingOwnerMetrics implements OwnerNotificationMetrics {
  readonly counts = new Map<string, number>();
  ownerNotification(outcome: OwnerNotificationOutcome, recipient: OwnerNotificationRecipient) {
    const k = `${outcome}|${recipient}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
  get(outcome: OwnerNotificationOutcome, recipient: OwnerNotificationRecipient) {
    return this.counts.get(`${outcome}|${recipient}`) ?? 0;
  }
}
