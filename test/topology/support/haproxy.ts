/**
 * The load balancer of the compose stack — a real HAProxy (Debian package `haproxy`, /usr/sbin/haproxy) with the
 * shipped haproxy/haproxy.cfg — in front of service replicas on loopback. Only what Docker provides is replaced:
 * the frontend binds 127.0.0.1 on a free port instead of :3000, and the replicas are static servers instead of a
 * server-template resolved in Docker's DNS (the `resolvers` section and the DNS options go). Balancing, /readyz
 * health checks, timeouts and retries are the shipped ones.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../src/db/embedded-postgres.js';
import { ROOT, startProc, type Proc } from '../../e2e/support/stack.js';

/** haproxy from PATH, else Debian's /usr/sbin (not on a normal user's PATH). */
export function haproxyBinary(): string {
  const onPath = (process.env.PATH ?? '').split(':').find((d) => d && existsSync(path.join(d, 'haproxy')));
  return onPath ? path.join(onPath, 'haproxy') : '/usr/sbin/haproxy';
}

/** haproxy/haproxy.cfg for loopback: the frontend on `port`, one static server per replica port. */
export function haproxyConfig(port: number, replicaPorts: readonly number[]): string {
  const shipped = readFileSync(path.join(ROOT, 'haproxy/haproxy.cfg'), 'utf8');
  const out: string[] = [];
  const replaced = { bind: false, servers: false };
  let section = '';
  for (const line of shipped.split('\n')) {
    if (/^\S/.test(line) && !line.startsWith('#')) section = line.split(/\s+/)[0]!;
    if (section === 'resolvers') continue;
    if (/^\s+bind\s/.test(line) && section === 'frontend') {
      out.push(`  bind 127.0.0.1:${port}`);
      replaced.bind = true;
    } else if (/^\s+server-template\s/.test(line)) {
      out.push(...replicaPorts.map((p, i) => `  server app${i + 1} 127.0.0.1:${p}`));
      replaced.servers = true;
    } else if (/^\s+default-server\s/.test(line)) {
      out.push(line.replace(/\s+(resolvers|init-addr|resolve-prefer)\s+\S+/g, ''));
    } else out.push(line);
  }
  const missing = Object.entries(replaced).filter(([, done]) => !done);
  if (missing.length)
    throw new Error(`haproxy/haproxy.cfg: no ${missing.map(([k]) => k).join(' or ')} line to point at loopback`);
  return out.join('\n');
}

/** Starts HAProxy in the foreground (-db); resolves once a replica answers GET /readyz through it. */
export async function startHaproxy(replicaPorts: readonly number[]): Promise<Proc & { port: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-haproxy-'));
  const port = await freePort();
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(port, replicaPorts));
  const proc = await startProc(haproxyBinary(), ['-db', '-f', file], '/readyz', port);
  return { ...proc, port };
}
