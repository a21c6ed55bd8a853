/**
 * Sends owner e-mails over SMTP (nodemailer; the URL style of DIGEST_SMTP_URL): plain text only, the recipient as
 * an address object (never parsed from a string), no file or URL access. Every phase of a send is bounded, so a
 * slow or silent SMTP server fails the send instead of holding it.
 */
import nodemailer from 'nodemailer';

export interface OwnerMail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** Sends one e-mail; rejects when the SMTP server did not accept it (OwnerNotifier; a fake in unit tests). */
export interface OwnerMailer {
  send(mail: OwnerMail): Promise<void>;
  close(): void;
}

export interface SmtpTimeouts {
  /** Connecting (DNS included), then the server's greeting: each at most this long (default 10 s). */
  connectMs: number;
  /** Most inactivity on the connection once it is open (default 30 s). */
  idleMs: number;
  /** Most time for the whole send (default 60 s); less than the claim lease, so a live send never loses its claim. */
  totalMs: number;
}

export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connectMs: 10_000, idleMs: 30_000, totalMs: 60_000 };

export function smtpOwnerMailer(url: string, timeouts: SmtpTimeouts = DEFAULT_SMTP_TIMEOUTS): OwnerMailer {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.connectMs,
    socketTimeout: timeouts.idleMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(m) {
      await transport.sendMail({
        from: m.from,
        to: { name: '', address: m.to },
        subject: m.subject,
        text: m.text,
        signal: AbortSignal.timeout(timeouts.totalMs),
      });
    },
    close: () => transport.close(),
  };
}
