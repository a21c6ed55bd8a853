/**
 * Delivers the weekly digest to Slack (incoming-webhook URL read from a file; text escaped for Slack) and by
 * email (SMTP URL; the plain-text part, and the escaped HTML part with the charts when the digest has one).
 */
import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import { digestSlackText, type Digest } from './digest.js';

export interface DigestChannels {
  /** File holding the Slack incoming-webhook URL (the URL is a secret). */
  slackWebhookUrlFile?: string;
  /** smtp://user:pass@host:port or smtps://… */
  smtpUrl?: string;
  emailFrom: string;
  emailTo: readonly string[];
}

export type DigestOutcome = Record<'slack' | 'email', 'sent' | 'skipped' | 'failed'>;

export async function sendDigest(
  d: Digest,
  ch: DigestChannels,
  onError: (channel: string, err: unknown) => void,
): Promise<DigestOutcome> {
  const out: DigestOutcome = { slack: 'skipped', email: 'skipped' };
  await Promise.all([
    (async () => {
      if (!ch.slackWebhookUrlFile) return;
      try {
        const url = (await readFile(ch.slackWebhookUrlFile, 'utf8')).trim();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: digestSlackText(d) }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) throw new Error(`Slack answered ${res.status}`);
        out.slack = 'sent';
      } catch (err) {
        out.slack = 'failed';
        onError('slack', err);
      }
    })(),
    (async () => {
      if (!ch.smtpUrl || ch.emailTo.length === 0) return;
      try {
        const transport = nodemailer.createTransport(ch.smtpUrl);
        await transport.sendMail({
          from: ch.emailFrom,
          to: [...ch.emailTo],
          subject: d.subject,
          text: d.text,
          ...(d.html ? { html: d.html } : {}),
        });
        transport.close();
        out.email = 'sent';
      } catch (err) {
        out.email = 'failed';
        onError('email', err);
      }
    })(),
  ]);
  return out;
}
