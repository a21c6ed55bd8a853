/**
 * The stack's local stand-in for Slack and the dead man's switch: an HTTP server on 127.0.0.1 where each Slack channel
 * is an incoming webhook at /slack/<channel> (every message printed: channel, title, text) and /heartbeat counts the
 * watchdog's pings quietly (the first is printed, the total at stop). GET / answers the counts as JSON.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpSink {
  readonly url: string;
  counts(): { slack: number; heartbeats: number };
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

interface SlackAttachment {
  title?: string;
  text?: string;
  fallback?: string;
}

/** The console lines of one Slack webhook body (Alertmanager's slack_configs: attachments with title and text). */
export function slackLines(channel: string, body: unknown): string[] {
  const b = (body ?? {}) as { text?: string; attachments?: SlackAttachment[] };
  const parts = [
    ...(b.text ? [b.text] : []),
    ...(b.attachments ?? []).flatMap((a) => [a.title ?? a.fallback ?? '', a.text ?? '']),
  ]
    .join('\n')
    .split('\n')
    .filter((l) => l.trim());
  const [first = '(empty message)', ...rest] = parts;
  return [`slack #${channel}: ${first}`, ...rest.map((l) => `    ${l}`)];
}

export async function startHttpSink(opts: {
  host: string;
  port: number;
  print: (line: string) => void;
}): Promise<HttpSink> {
  let slack = 0;
  let heartbeats = 0;
  const server = http.createServer((req, res) => {
    const answer = (status: number, text: string, type = 'text/plain') =>
      res.writeHead(status, { 'content-type': type }).end(text);
    const url = new URL(req.url ?? '/', 'http://sink');
    if (req.method === 'GET' && url.pathname === '/')
      return answer(200, JSON.stringify({ slack, heartbeats }), 'application/json');
    if (req.method !== 'POST') return answer(405, 'POST only');
    const channel = /^\/slack\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (!channel && url.pathname !== '/heartbeat') return answer(404, 'unknown path');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size <= MAX_BODY) chunks.push(d);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return answer(413, 'too large');
      if (!channel) {
        if (++heartbeats === 1)
          opts.print("heartbeat: the watchdog reaches the dead man's switch (later pings are only counted)");
        return answer(200, 'ok');
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(400, 'invalid_payload');
      }
      slack++;
      for (const line of slackLines(channel, body)) opts.print(line);
      answer(200, 'ok');
    });
  });
  server.listen(opts.port, opts.host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}`,
    counts: () => ({ slack, heartbeats }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
