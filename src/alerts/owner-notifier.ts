/**
 * E-mails a workshop's owner when Alertmanager reports a firing alert meant for them (label
 * audience="workshop_owner", a workshop_id, and a message in OWNER_MESSAGES: WorkshopThriving) — at most once per
 * workshop and kind per period (30 days), whichever replica or delivery comes first (a PostgreSQL claim). Without a
 * known owner address the account manager gets it instead. A failed send gives the claim up, so a later delivery
 * (Alertmanager repeats firing alerts) tries again.
 *
 * The webhook waits for its e-mails at most `waitMs`; what is still sending then finishes in the background (each
 * send is bounded by the mailer's own timeouts) and `drain` waits for it on shutdown. Nothing here throws: every
 * outcome is logged and counted (workshop_owner_notifications_total).
 */
import type { Logger } from '../logger.js';
import type { AlertInstance } from './alert-store.js';
import type { OwnerMailer } from './owner-mailer.js';
import { nameForMail, OWNER_MESSAGES, type OwnerMailRecipient, type OwnerMessage } from './owner-messages.js';
import type { OwnerNotificationMetrics, OwnerNotificationRecipient } from './owner-notification-metrics.js';
import type { OwnerNotificationClaims } from './owner-notification-store.js';

export interface OwnerNotifierOptions {
  claims: OwnerNotificationClaims;
  mailer: OwnerMailer;
  metrics: OwnerNotificationMetrics;
  log: Logger;
  /** Sender of the e-mails (OWNER_EMAIL_FROM). */
  from: string;
  /** Who gets the e-mail when the workshop has no owner address (ACCOUNT_MANAGER_EMAIL); undefined: nobody. */
  accountManager: string | undefined;
  /** Most time notify() waits for its e-mails (default 5 s, well within Alertmanager's webhook timeout). */
  waitMs?: number;
  /** At most one e-mail of a kind per workshop in this many days (default 30). */
  periodDays?: number;
  /** An unfinished claim older than this was left by a replica that died mid-send: taken again (default 15 min). */
  leaseMs?: number;
}

/** One owner e-mail to decide: the alert's workshop and its message. */
export interface OwnerAlert {
  workshopId: string;
  alertname: string;
  message: OwnerMessage;
}

export const OWNER_AUDIENCE = 'workshop_owner';

/**
 * The firing alerts of a notification that call for an owner e-mail, one per workshop and kind. `unknown` gets the
 * names of owner-audience alerts that have no message (nothing is sent for them).
 */
export function ownerAlerts(instances: readonly AlertInstance[], unknown?: (alertname: string) => void): OwnerAlert[] {
  const out = new Map<string, OwnerAlert>();
  for (const a of instances) {
    if (a.status !== 'firing' || a.labels.audience !== OWNER_AUDIENCE || a.workshopId === null) continue;
    const message = Object.hasOwn(OWNER_MESSAGES, a.alertname) ? OWNER_MESSAGES[a.alertname] : undefined;
    if (!message) {
      unknown?.(a.alertname);
      continue;
    }
    out.set(`${a.workshopId}|${message.kind}`, { workshopId: a.workshopId, alertname: a.alertname, message });
  }
  return [...out.values()];
}

export class OwnerNotifier {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly warnedUnknown = new Set<string>();
  private readonly waitMs: number;
  private readonly periodDays: number;
  private readonly leaseMs: number;

  constructor(private readonly o: OwnerNotifierOptions) {
    this.waitMs = o.waitMs ?? 5_000;
    this.periodDays = o.periodDays ?? 30;
    this.leaseMs = o.leaseMs ?? 15 * 60_000;
  }

  /** Decides and sends the e-mails `instances` call for; resolves when they are done or after `waitMs`. */
  async notify(instances: readonly AlertInstance[]): Promise<void> {
    const alerts = ownerAlerts(instances, (name) => {
      if (this.warnedUnknown.has(name)) return;
      this.warnedUnknown.add(name);
      this.o.log.warn({ alertname: name }, 'owner e-mail: no message for this workshop_owner alert; nothing sent');
    });
    if (alerts.length === 0) return;
    const all = Promise.all(alerts.map((a) => this.track(this.deliver(a))));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, this.waitMs).unref()))]);
    clearTimeout(timer);
  }

  /** Resolves when no e-mail is being sent (tests; shutdown through drain). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Waits for the e-mails still being sent, at most `ms`; 'cut' when some were still sending. */
  async drain(ms: number): Promise<void | 'cut'> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.idle().then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms).unref())),
    ]);
    clearTimeout(timer);
    this.o.mailer.close();
    return done ? undefined : 'cut';
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async deliver(a: OwnerAlert): Promise<void> {
    const { claims, log, metrics } = this.o;
    const ctx = { workshopId: a.workshopId, alertname: a.alertname, kind: a.message.kind };
    let recipient: OwnerNotificationRecipient = 'none';
    try {
      const contact = await claims.contact(a.workshopId);
      const ownerEmail = contact?.ownerEmail ?? undefined;
      const to = ownerEmail ?? this.o.accountManager;
      if (to === undefined) {
        log.warn(ctx, 'owner e-mail skipped: no owner address and no ACCOUNT_MANAGER_EMAIL');
        metrics.ownerNotification('skipped', 'none');
        return;
      }
      const mailRecipient: OwnerMailRecipient = ownerEmail ? 'owner' : 'account_manager';
      recipient = mailRecipient;
      const claim = await claims.claim(a.workshopId, a.message.kind, mailRecipient, this.periodDays, this.leaseMs);
      if (!claim) {
        log.debug({ ...ctx, recipient }, 'owner e-mail skipped: already sent (or being sent) within the period');
        metrics.ownerNotification('skipped', recipient);
        return;
      }
      const name = nameForMail(contact?.name, a.workshopId);
      try {
        await this.o.mailer.send({
          from: this.o.from,
          to,
          subject: a.message.subject(name, mailRecipient),
          text: a.message.text(name, a.workshopId, mailRecipient),
        });
      } catch (err) {
        await claims
          .release(claim)
          .catch((e: unknown) => log.error({ ...ctx, err: e }, 'owner e-mail: releasing the claim failed'));
        throw err;
      }
      metrics.ownerNotification('sent', recipient);
      log.info({ ...ctx, recipient }, 'owner e-mail sent');
      // The e-mail is out: should this fail, the claim stays unfinished and is taken again after the lease.
      await claims
        .markSent(claim)
        .catch((err: unknown) => log.error({ ...ctx, err }, 'owner e-mail sent, but recording it failed'));
    } catch (err) {
      metrics.ownerNotification('failed', recipient);
      log.error({ ...ctx, recipient, err }, 'owner e-mail failed');
    }
  }
}
