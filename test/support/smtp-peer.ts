/**
 * A real SMTP server (the smtp-server package) whose behaviour a test switches: `accept` keeps every message,
 * `reject` refuses each message after its data (451), `stall` accepts connections and never greets (a hung server).
 */
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { subjectOf } from '../../scripts/stack/mail-catcher.js';
import { decodeBody, type Mail } from '../e2e/support/stack.js';

export type SmtpMode = 'accept' | 'reject' | 'stall';

export interface SmtpPeer {
  url: string;
  port: number;
  received: Mail[];
  /** Messages refused in `reject` mode (their recipients). */
  rejected: string[][];
  mode: SmtpMode;
  stop(): Promise<void>;
}

export async function startSmtpPeer(mode: SmtpMode = 'accept'): Promise<SmtpPeer> {
  const sockets = new Set<Socket>();
  const peer: SmtpPeer = {
    url: '',
    port: 0,
    received: [],
    rejected: [],
    mode,
    stop: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, cb) {
      if (peer.mode !== 'stall') cb();
      // stall: no callback, so no greeting ever
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (peer.mode === 'reject') {
          peer.rejected.push(to);
          return cb(Object.assign(new Error('4.3.0 mailbox temporarily unavailable'), { responseCode: 451 }));
        }
        peer.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to,
          subject: subjectOf(raw),
          raw,
          text: decodeBody(raw),
        });
        cb();
      });
    },
  });
  server.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  peer.port = (server.server.address() as AddressInfo).port;
  peer.url = `smtp://127.0.0.1:${peer.port}`;
  peer.stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return peer;
}
