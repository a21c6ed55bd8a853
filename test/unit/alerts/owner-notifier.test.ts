import { describe, expect, it } from 'vitest';
import type { AlertInstance } from '../../../src/alerts/alert-store.js';
import { OwnerNotifier, ownerAlerts } from '../../../src/alerts/owner-notifier.js';
import { createLogger } from '../../../src/logger.js';
import { FakeMailer, FakeOwnerClaims, RecordingOwnerMetrics } from '../../support/fakes/fake-owner-notifications.js';

const W1 = '5f0c7a8e-3b1d-4c2e-9a41-6d2f8b7e1c03';
const W2 = '6a1d8b9f-4c2e-4d3f-8b52-7e3a9c8f2d14';
const DAY = 86_400_000;
const SUGGESTION = 'Consider increasing mechanic capacity?'; // the plan's text, written out

function thriving(workshopId: string | null, overrides: Partial<AlertInstance> = {}): AlertInstance {
  return {
    fingerprint: `fp-${workshopId}`,
    status: 'firing',
    alertname: 'WorkshopThriving',
    severity: 'info',
    title: 'Workshop is thriving',
    message: 'uses 90% of its capacity',
    workshopId,
    startsAt: '2026-11-20T10:00:00Z',
    endsAt: null,
    labels: {
      alertname: 'WorkshopThriving',
      severity: 'info',
      audience: 'workshop_owner',
      ...(workshopId ? { workshop_id: workshopId } : {}),
    },
    annotations: {},
    metadata: {},
    ...overrides,
  };
}

function setup(opts: { accountManager?: string; waitMs?: number } = {}) {
  const claims = new FakeOwnerClaims();
  const mailer = new FakeMailer();
  const metrics = new RecordingOwnerMetrics();
  const notifier = new OwnerNotifier({
    claims,
    mailer,
    metrics,
    log: createLogger('silent'),
    from: 'programme@autodoctor.example',
    accountManager: opts.accountManager,
    waitMs: opts.waitMs ?? 1_000,
  });
  claims.contacts.set(W1, { name: 'Toronto Auto Specialists', ownerEmail: 'owner@torontoauto.example' });
  return { claims, mailer, metrics, notifier };
}

describe('ownerAlerts (which alerts call for an owner e-mail)', () => {
  it('when alerts are resolved, for another audience, without a workshop or without a message, then none do', () => {
    const unknown: string[] = [];
    const picked = ownerAlerts(
      [
        thriving(W1, { status: 'resolved' }),
        thriving(W1, { labels: { alertname: 'WorkshopThriving', audience: 'account_manager', workshop_id: W1 } }),
        thriving(null),
        thriving(W1, {
          alertname: 'WorkshopSomethingNew',
          labels: { alertname: 'WorkshopSomethingNew', audience: 'workshop_owner', workshop_id: W1 },
        }),
        thriving(W1, { alertname: 'toString', labels: { alertname: 'toString', audience: 'workshop_owner' } }),
      ],
      (name) => unknown.push(name),
    );
    expect(picked).toEqual([]);
    expect(unknown).toEqual(['WorkshopSomethingNew', 'toString']);
  });

  it('when one notification holds the same workshop twice, then it calls for one e-mail', () => {
    const picked = ownerAlerts([thriving(W1), thriving(W1, { fingerprint: 'other' }), thriving(W2)]);
    expect(picked.map((a) => a.workshopId)).toEqual([W1, W2]);
  });
});

describe('OwnerNotifier', () => {
  it('when WorkshopThriving fires for a workshop with an owner e-mail, then the owner gets the plan text once', async () => {
    const { claims, mailer, metrics, notifier } = setup();
    await notifier.notify([thriving(W1)]);
    expect(mailer.sent).toHaveLength(1);
    const mail = mailer.sent[0]!;
    expect(mail.to).toBe('owner@torontoauto.example');
    expect(mail.from).toBe('programme@autodoctor.example');
    expect(mail.subject).toBe(`Toronto Auto Specialists is thriving: ${SUGGESTION}`);
    expect(mail.text).toContain('Toronto Auto Specialists is thriving');
    expect(mail.text).toContain(SUGGESTION);
    expect(metrics.get('sent', 'owner')).toBe(1);
    expect(claims.rows.get(`${W1}|thriving`)).toMatchObject({ sentAtMs: claims.nowMs, recipient: 'owner' });

    // Alertmanager repeats the notification (repeat_interval), and a second peer delivers it too
    await notifier.notify([thriving(W1)]);
    await notifier.notify([thriving(W1)]);
    expect(mailer.sent).toHaveLength(1);
    expect(metrics.get('skipped', 'owner')).toBe(2);
  });

  it('when 30 days have passed since the e-mail, then the next firing sends it again (29 days: not yet)', async () => {
    const { claims, mailer, notifier } = setup();
    await notifier.notify([thriving(W1)]);
    claims.nowMs += 29 * DAY;
    await notifier.notify([thriving(W1)]);
    expect(mailer.sent).toHaveLength(1);
    claims.nowMs += 1 * DAY + 1;
    await notifier.notify([thriving(W1)]);
    expect(mailer.sent).toHaveLength(2);
  });

  it('when two replicas share the claims and get the same alert at once, then one e-mail goes out', async () => {
    const { claims, mailer, metrics } = setup();
    const replica = () =>
      new OwnerNotifier({
        claims,
        mailer,
        metrics,
        log: createLogger('silent'),
        from: 'programme@autodoctor.example',
        accountManager: undefined,
      });
    await Promise.all([replica().notify([thriving(W1)]), replica().notify([thriving(W1)])]);
    expect(mailer.sent).toHaveLength(1);
    expect(metrics.get('sent', 'owner') + metrics.get('skipped', 'owner')).toBe(2);
  });

  it('when no owner e-mail is known, then the account manager gets it, marked for the owner', async () => {
    const { claims, mailer, metrics, notifier } = setup({ accountManager: 'am@autodoctor.example' });
    claims.contacts.set(W2, { name: 'Ottawa Brakes', ownerEmail: null });
    await notifier.notify([thriving(W2)]);
    expect(mailer.sent.map((m) => m.to)).toEqual(['am@autodoctor.example']);
    expect(mailer.sent[0]!.subject).toBe(`[for the owner] Ottawa Brakes is thriving: ${SUGGESTION}`);
    expect(mailer.sent[0]!.text).toContain('No owner e-mail address is known');
    expect(metrics.get('sent', 'account_manager')).toBe(1);
    await notifier.notify([thriving(W2)]);
    expect(mailer.sent).toHaveLength(1);
  });

  it('when the workshop is unknown to the projection, then the account manager gets it under the workshop id', async () => {
    const { mailer, notifier } = setup({ accountManager: 'am@autodoctor.example' });
    await notifier.notify([thriving(W2)]);
    expect(mailer.sent[0]!.subject).toBe(`[for the owner] workshop ${W2} is thriving: ${SUGGESTION}`);
  });

  it('when neither an owner e-mail nor ACCOUNT_MANAGER_EMAIL is known, then nothing is sent or claimed', async () => {
    const { claims, mailer, metrics, notifier } = setup();
    claims.contacts.set(W2, { name: 'Ottawa Brakes', ownerEmail: null });
    await notifier.notify([thriving(W2)]);
    expect(mailer.sent).toEqual([]);
    expect(claims.rows.size).toBe(0);
    expect(metrics.get('skipped', 'none')).toBe(1);
  });

  it('when the SMTP send fails, then it is counted, the claim is released and the next delivery sends it', async () => {
    const { claims, mailer, metrics, notifier } = setup();
    mailer.failWith = new Error('421 4.7.0 try again later');
    await notifier.notify([thriving(W1)]);
    expect(metrics.get('failed', 'owner')).toBe(1);
    expect(claims.rows.size).toBe(0);
    mailer.failWith = undefined;
    await notifier.notify([thriving(W1)]);
    expect(mailer.sent).toHaveLength(1);
    expect(metrics.get('sent', 'owner')).toBe(1);
  });

  it('when the database fails before anything is sent, then it is counted as failed and nothing is sent', async () => {
    const { claims, mailer, metrics, notifier } = setup();
    claims.failContact = true;
    await expect(notifier.notify([thriving(W1)])).resolves.toBeUndefined();
    expect(mailer.sent).toEqual([]);
    expect(metrics.get('failed', 'none')).toBe(1);
  });

  it('when recording the sent e-mail fails, then it still counts as sent (the claim stays until its lease ends)', async () => {
    const { claims, mailer, metrics, notifier } = setup();
    claims.markSent = async () => {
      throw new Error('connection terminated');
    };
    await notifier.notify([thriving(W1)]);
    expect(mailer.sent).toHaveLength(1);
    expect(metrics.get('sent', 'owner')).toBe(1);
    // the claim is still held: a repeat within the lease sends nothing
    await notifier.notify([thriving(W1)]);
    expect(mailer.sent).toHaveLength(1);
  });

  it('when the SMTP server is slow, then notify returns after waitMs and the send finishes in the background', async () => {
    const { mailer, metrics, notifier } = setup({ waitMs: 50 });
    let open!: () => void;
    mailer.gate = new Promise<void>((r) => (open = r));
    const started = performance.now();
    await notifier.notify([thriving(W1)]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(mailer.sent).toHaveLength(0);
    expect(await notifier.drain(20)).toBe('cut');
    open();
    await notifier.idle();
    expect(mailer.sent).toHaveLength(1);
    expect(metrics.get('sent', 'owner')).toBe(1);
    expect(await notifier.drain(1_000)).toBeUndefined();
    expect(mailer.closed).toBe(2);
  });

  it('when a workshop name tries to add header lines or reorder text, then the e-mail shows it on one line', async () => {
    const { claims, mailer, notifier } = setup();
    claims.contacts.set(W1, {
      name: 'Evil\r\nBcc: victim@example.com\u2028<b>Garage</b>\u202e\u0007 & Co',
      ownerEmail: 'owner@torontoauto.example',
    });
    await notifier.notify([thriving(W1)]);
    const mail = mailer.sent[0]!;
    expect(mail.subject).toBe(`Evil Bcc: victim@example.com <b>Garage</b> & Co is thriving: ${SUGGESTION}`);
    for (const c of ['\r', '\n', '\u2028', '\u202e', '\u0007']) expect(mail.subject).not.toContain(c);
    expect(mail.text.split('\n')).toContain(
      "Evil Bcc: victim@example.com <b>Garage</b> & Co is thriving: its mechanics work close to the workshop's " +
        'capacity, and sessions keep coming in.',
    );
  });

  it('when an alert for the owner has no message, then nothing is sent', async () => {
    const { mailer, notifier } = setup();
    await notifier.notify([
      thriving(W1, {
        alertname: 'WorkshopSomethingNew',
        labels: { alertname: 'WorkshopSomethingNew', audience: 'workshop_owner', workshop_id: W1 },
      }),
    ]);
    expect(mailer.sent).toEqual([]);
  });
});
