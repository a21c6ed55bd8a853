/**
 * A real HAProxy (Debian package `haproxy`, /usr/sbin/haproxy) in front of service replicas on loopback: HTTP mode,
 * round robin per request, health checks on GET /readyz every 300 ms (two failures take a replica out, one success
 * puts it back; a check may take 2 s), so a replica that answers 503 while it shuts down gets no new requests; a
 * connection refused is retried on the other replica (`option redispatch`).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/db/embedded-postgres.js';
import { startProc, type Proc } from '../../e2e/support/stack.js';

/** haproxy from PATH, else Debian's /usr/sbin (not on a normal user's PATH). */
export function haproxyBinary(): string {
  const onPath = (process.env.PATH ?? '').split(':').find((d) => d && existsSync(path.join(d, 'haproxy')));
  return onPath ? path.join(onPath, 'haproxy') : '/usr/sbin/haproxy';
}

/** The configuration: one frontend on `port`, one backend with a server per replica port. */
export function haproxyConfig(port: number, statsPort: number, replicaPorts: readonly number[]): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // a check answered slowly on a busy machine is not a failed replica (without it, `inter` is the check timeout)
    '  timeout check 2s',
    '  retries 3',
    '  option redispatch',
    'frontend ingest',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'frontend monitor',
    `  bind 127.0.0.1:${statsPort}`,
    '  monitor-uri /healthz',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    '  default-server inter 300ms fall 2 rise 1',
    ...replicaPorts.map((p, i) => `  server replica${i + 1} 127.0.0.1:${p} check`),
    '',
  ].join('\n');
}

/** Starts HAProxy in the foreground (-db); resolves once its monitor URI answers. */
export async function startHaproxy(replicaPorts: readonly number[]): Promise<Proc & { port: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-haproxy-'));
  const port = await freePort();
  const statsPort = await freePort();
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(port, statsPort, replicaPorts));
  const monitor = await startProc(haproxyBinary(), ['-db', '-f', file], '/healthz', statsPort);
  return { ...monitor, url: `http://127.0.0.1:${port}`, port };
}
