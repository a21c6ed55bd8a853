/**
 * The stack's local mail catcher: plain SMTP on 127.0.0.1 (no STARTTLS, no AUTH — Alertmanager runs with
 * ALERT_SMTP_REQUIRE_TLS=false and no user), every message saved as <dir>/<n>.eml (numbering goes on from the files
 * already there) and one line per message printed.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface MailCatcher {
  readonly port: number;
  readonly dir: string;
  /** Messages saved since start. */
  count(): number;
  stop(): Promise<void>;
}

/** Decodes RFC 2047 encoded-words (=?utf-8?q?…?= / =?utf-8?b?…?=) in a header value, for the console line. */
export function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9a-f]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

/** The message's Subject header (folded lines unfolded, encoded-words decoded), or "(no subject)". */
export function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const m = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
  return m ? decodeHeader(m[1]!.replace(/\r?\n[ \t]/g, ' ')).trim() : '(no subject)';
}

const nextNumber = (dir: string) =>
  readdirSync(dir).reduce((max, f) => Math.max(max, Number(/^(\d+)\.eml$/.exec(f)?.[1] ?? 0)), 0) + 1;

export async function startMailCatcher(opts: {
  host: string;
  port: number;
  dir: string;
  print: (line: string) => void;
}): Promise<MailCatcher> {
  mkdirSync(opts.dir, { recursive: true });
  let n = nextNumber(opts.dir);
  let saved = 0;
  const sockets = new Set<Socket>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 25 * 1024 * 1024,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('error', cb);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const file = path.join(opts.dir, `${n++}.eml`);
        try {
          writeFileSync(file, raw);
        } catch (err) {
          return cb(err as Error);
        }
        saved++;
        const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
        opts.print(`mail to ${to}: ${subjectOf(raw.toString('utf8'))}  (${file})`);
        cb();
      });
    },
  });
  server.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.print(`mail catcher: ${err.message}`));
  return {
    port: opts.port,
    dir: opts.dir,
    count: () => saved,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
