/**
 * Owner e-mail for WorkshopThriving, end to end on the service's side: real HTTP, real PostgreSQL, a real SMTP
 * server. Alertmanager's webhook notification is posted the way Alertmanager sends it, to two replicas of the
 * service sharing one database (Alertmanager repeats notifications, and two Alertmanager peers both deliver).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../support/database.js';
import { postEvents, startTestService, WEBHOOK_TOKEN } from '../support/service.js';
import { startSmtpPeer, type SmtpPeer } from '../support/smtp-peer.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;

const OWNER_FROM = 'programme@autodoctor.example';
const ACCOUNT_MANAGER = 'am@autodoctor.example';
const SUGGESTION = 'Consider increasing mechanic capacity?'; // the plan's text, written out
const WAIT_MS = 300; // how long the webhook waits for its e-mails in these tests
const SMTP_CONNECT_MS = 1_500; // a silent SMTP server fails a send after this

/** An Alertmanager webhook notification (version 4) for WorkshopThriving, as Alertmanager sends it. */
function thrivingNotification(workshopId: string, status: 'firing' | 'resolved' = 'firing') {
  const labels = {
    alertname: 'WorkshopThriving',
    audience: 'workshop_owner',
    severity: 'info',
    workshop_id: workshopId,
  };
  return {
    version: '4',
    groupKey: `{}/{}:{alertname="WorkshopThriving", workshop_id="${workshopId}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'workshop-analytics-webhook',
    groupLabels: { alertname: 'WorkshopThriving', workshop_id: workshopId },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status,
        labels,
        annotations: {
          summary: `Workshop X is thriving. ${SUGGESTION}`,
          description: 'X (Toronto) uses 90% of its mechanic capacity',
          runbook_url: 'https://x/runbooks.md#workshopthriving',
        },
        startsAt: '2026-11-20T10:00:00Z',
        endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-20T12:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: `thriving-${workshopId.slice(0, 8)}`,
      },
    ],
  };
}

const webhook = (svc: Svc, body: unknown) =>
  fetch(`${svc.url}/api/alerts/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const signup = (workshopId: string, name: string, ownerEmail?: string) => ({
  type: 'workshop_signup_success',
  workshop_id: workshopId,
  metadata: { name, city: 'Toronto', capacity: 5, ...(ownerEmail ? { owner_email: ownerEmail } : {}) },
});

/** workshop_owner_notifications_total{outcome, recipient} on one replica's /metrics. */
async function counted(svc: Svc, outcome: string, recipient: string): Promise<number> {
  const text = await (await fetch(`${svc.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`workshop_owner_notifications_total{outcome="${outcome}",recipient="${recipient}"}`));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

describe('owner e-mail for WorkshopThriving (real SMTP server, two replicas on one database)', () => {
  let smtp: SmtpPeer;
  let a: Svc;
  let b: Svc;
  const env = () => ({
    OWNER_EMAIL_SMTP_URL: smtp.url,
    OWNER_EMAIL_FROM: OWNER_FROM,
    ACCOUNT_MANAGER_EMAIL: ACCOUNT_MANAGER,
  });
  const ownerMail = { waitMs: WAIT_MS, smtp: { connectMs: SMTP_CONNECT_MS, idleMs: 5_000, totalMs: 10_000 } };
  const settled = () => Promise.all([a.ownerNotifier!.idle(), b.ownerNotifier!.idle()]);
  const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
  const claimOf = (workshopId: string) =>
    withClient(a.databaseUrl, (c) =>
      c.query(`SELECT recipient, sent_at FROM owner_notifications WHERE workshop_id = $1`, [workshopId]),
    ).then((r) => r.rows[0] as { recipient: string; sent_at: Date | null } | undefined);

  beforeAll(async () => {
    smtp = await startSmtpPeer();
    a = await startTestService(env(), undefined, { ownerMail });
    b = await startTestService(env(), a.databaseUrl, { ownerMail });
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await smtp?.stop();
  });

  it('when WorkshopThriving fires for a workshop with an owner e-mail, then the owner gets one plain-text e-mail, however often and wherever it is delivered', async () => {
    const w = randomUUID();
    const owner = `owner-${w.slice(0, 8)}@torontoauto.example`;
    const r = await postEvents(a.url, signup(w, 'Toronto Auto Specialists', owner));
    expect(r.status, r.text).toBe(202);

    const res = await webhook(a, thrivingNotification(w));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ recorded: 1 });
    await settled();
    expect(mailsTo(owner)).toHaveLength(1);
    const mail = mailsTo(owner)[0]!;
    expect(mail.to).toEqual([owner]);
    expect(mail.from).toBe(OWNER_FROM);
    expect(mail.subject).toBe(`Toronto Auto Specialists is thriving: ${SUGGESTION}`);
    expect(mail.text).toContain('Toronto Auto Specialists is thriving');
    expect(mail.text).toContain(SUGGESTION);
    expect(mail.raw).toMatch(/^Content-Type: text\/plain/im);
    expect(mail.raw).not.toMatch(/text\/html/i);
    expect(await claimOf(w)).toMatchObject({ recipient: 'owner', sent_at: expect.any(Date) });

    // Alertmanager's repeat, the second Alertmanager peer to the other replica, and both at once
    expect((await webhook(a, thrivingNotification(w))).status).toBe(200);
    expect((await webhook(b, thrivingNotification(w))).status).toBe(200);
    const both = await Promise.all([webhook(a, thrivingNotification(w)), webhook(b, thrivingNotification(w))]);
    expect(both.map((x) => x.status)).toEqual([200, 200]);
    await settled();
    expect(mailsTo(owner)).toHaveLength(1);
    // the alert history is kept as before
    const rows = await withClient(a.databaseUrl, (c) =>
      c.query(`SELECT alert_type, status FROM workshop_alerts WHERE workshop_id = $1`, [w]),
    );
    expect(rows.rows).toEqual([{ alert_type: 'WorkshopThriving', status: 'firing' }]);
    // counted per replica, with closed label sets; the address is no metric and no label
    expect((await counted(a, 'sent', 'owner')) + (await counted(b, 'sent', 'owner'))).toBeGreaterThanOrEqual(1);
    expect(await counted(b, 'skipped', 'owner')).toBeGreaterThanOrEqual(1);
    for (const svc of [a, b]) expect(await (await fetch(`${svc.url}/metrics`)).text()).not.toContain(owner);
  });

  it('when two replicas get the first delivery at the same moment, then exactly one e-mail goes out', async () => {
    const w = randomUUID();
    const owner = `race-${w.slice(0, 8)}@garage.example`;
    expect((await postEvents(a.url, signup(w, 'Race Garage', owner))).status).toBe(202);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => webhook(i % 2 ? a : b, thrivingNotification(w))),
    );
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await settled();
    expect(mailsTo(owner)).toHaveLength(1);
  });

  it('when the last e-mail is 30 days old, or a claim was left unfinished 15 minutes ago, then it goes out again', async () => {
    const w = randomUUID();
    const owner = `monthly-${w.slice(0, 8)}@garage.example`;
    expect((await postEvents(a.url, signup(w, 'Monthly Garage', owner))).status).toBe(202);
    const age = (sql: string) =>
      withClient(a.databaseUrl, (c) => c.query(`UPDATE owner_notifications SET ${sql} WHERE workshop_id = $1`, [w]));
    const deliver = async () => {
      expect((await webhook(a, thrivingNotification(w))).status).toBe(200);
      await settled();
      return mailsTo(owner).length;
    };
    expect(await deliver()).toBe(1);
    await age(`sent_at = now() - interval '29 days 23 hours'`);
    expect(await deliver()).toBe(1);
    await age(`sent_at = now() - interval '30 days 1 minute'`);
    expect(await deliver()).toBe(2);
    // a replica died while sending: its claim is unfinished; within the lease it holds, after it is taken again
    await age(`sent_at = NULL, claimed_at = now() - interval '14 minutes'`);
    expect(await deliver()).toBe(2);
    await age(`sent_at = NULL, claimed_at = now() - interval '16 minutes'`);
    expect(await deliver()).toBe(3);
  });

  it('when no owner e-mail is known, then the account manager gets it, once', async () => {
    const w = randomUUID();
    expect((await postEvents(a.url, signup(w, 'Ottawa Brakes'))).status).toBe(202);
    const before = mailsTo(ACCOUNT_MANAGER).length;
    expect((await webhook(a, thrivingNotification(w))).status).toBe(200);
    expect((await webhook(b, thrivingNotification(w))).status).toBe(200);
    await settled();
    const mails = mailsTo(ACCOUNT_MANAGER).slice(before);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(`[for the owner] Ottawa Brakes is thriving: ${SUGGESTION}`);
    expect(mails[0]!.text).toContain(w);
    expect(await claimOf(w)).toMatchObject({ recipient: 'account_manager' });
  });

  it('when a resolved WorkshopThriving arrives, then nobody is e-mailed', async () => {
    const w = randomUUID();
    const owner = `resolved-${w.slice(0, 8)}@garage.example`;
    expect((await postEvents(a.url, signup(w, 'Resolved Garage', owner))).status).toBe(202);
    expect((await webhook(a, thrivingNotification(w, 'resolved'))).status).toBe(200);
    await settled();
    expect(mailsTo(owner)).toHaveLength(0);
    expect(await claimOf(w)).toBeUndefined();
  });

  it('when the SMTP server refuses the e-mail, then the webhook still answers 200, the claim is released and the next delivery sends it', async () => {
    const w = randomUUID();
    const owner = `refused-${w.slice(0, 8)}@garage.example`;
    expect((await postEvents(a.url, signup(w, 'Refused Garage', owner))).status).toBe(202);
    const failedBefore = await counted(a, 'failed', 'owner');
    smtp.mode = 'reject';
    try {
      expect((await webhook(a, thrivingNotification(w))).status).toBe(200);
      await settled();
      expect(smtp.rejected.some((to) => to.includes(owner))).toBe(true);
      expect(mailsTo(owner)).toHaveLength(0);
      expect(await claimOf(w)).toBeUndefined();
      expect(await counted(a, 'failed', 'owner')).toBe(failedBefore + 1);
    } finally {
      smtp.mode = 'accept';
    }
    expect((await webhook(b, thrivingNotification(w))).status).toBe(200);
    await settled();
    expect(mailsTo(owner)).toHaveLength(1);
  });

  it('when the SMTP server never answers, then the webhook answers within its bound and the claim is released once the send times out', async () => {
    const w = randomUUID();
    const owner = `silent-${w.slice(0, 8)}@garage.example`;
    expect((await postEvents(a.url, signup(w, 'Silent Garage', owner))).status).toBe(202);
    smtp.mode = 'stall';
    try {
      const started = performance.now();
      const res = await webhook(a, thrivingNotification(w));
      const ms = performance.now() - started;
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(SMTP_CONNECT_MS); // it did not wait for the SMTP timeout
      expect(await claimOf(w)).toMatchObject({ sent_at: null }); // being sent
      await settled();
      expect(await claimOf(w)).toBeUndefined();
    } finally {
      smtp.mode = 'accept';
    }
    expect((await webhook(a, thrivingNotification(w))).status).toBe(200);
    await settled();
    expect(mailsTo(owner)).toHaveLength(1);
  });

  it.each([
    ['CRLF and a Bcc header', 'owner@garage.example\r\nBcc: everyone@example.com'],
    ['a bare LF and a Subject header', 'owner@garage.example\nSubject: you won'],
    ['a NUL', 'owner@garage.example\u0000'],
    ['a display name with angle brackets', 'Owner <owner@garage.example>'],
    ['more than 254 characters', `${'a'.repeat(64)}@${'b'.repeat(187)}.ca`],
  ])('when owner_email holds %s, then ingest answers 400 and stores nothing', async (_what, ownerEmail) => {
    const w = randomUUID();
    const r = await postEvents(a.url, signup(w, 'Hostile Garage', ownerEmail));
    expect(r.status, r.text).toBe(400);
    expect(r.json).toMatchObject({
      error: { code: 'validation_failed', details: [expect.objectContaining({ path: 'metadata.owner_email' })] },
    });
    const stored = await a.pool.query(`SELECT 1 FROM workshops WHERE workshop_id = $1`, [w]);
    expect(stored.rowCount).toBe(0);
  });
});

describe('owner e-mail off', () => {
  it('when neither OWNER_EMAIL_SMTP_URL nor DIGEST_SMTP_URL is set, then the webhook only records alerts', async () => {
    const svc = await startTestService({ ACCOUNT_MANAGER_EMAIL: ACCOUNT_MANAGER });
    try {
      expect(svc.ownerNotifier).toBeUndefined();
      const w = randomUUID();
      expect((await postEvents(svc.url, signup(w, 'Quiet Garage', 'owner@quiet.example'))).status).toBe(202);
      expect((await webhook(svc, thrivingNotification(w))).status).toBe(200);
      const claims = await svc.pool.query(`SELECT 1 FROM owner_notifications WHERE workshop_id = $1`, [w]);
      expect(claims.rowCount).toBe(0);
    } finally {
      await svc.stop();
    }
  });
});
