/**
 * The settings of `npm run stack` that are its own (the service reads its usual variables through src/config.ts,
 * Alertmanager's are the render step's, scripts/alertmanager/settings.ts): the loopback ports of Prometheus,
 * Alertmanager, the mail catcher and the Slack/heartbeat sink. Everything listens on 127.0.0.1.
 */
import net from 'node:net';
import { freePort } from '../../src/db/embedded-postgres.js';

export const STACK_HOST = '127.0.0.1';

/** Each port variable, its default (0: any free port) and what listens there. */
export const STACK_PORTS = {
  PROMETHEUS_PORT: { default: 9090, what: 'Prometheus', debianService: 'prometheus' },
  ALERTMANAGER_PORT: { default: 9093, what: 'Alertmanager', debianService: 'prometheus-alertmanager' },
  STACK_SMTP_PORT: { default: 1025, what: 'the mail catcher (SMTP)' },
  STACK_SINK_PORT: { default: 0, what: 'the Slack and heartbeat sink (HTTP)' },
} as const;

export type StackPortName = keyof typeof STACK_PORTS;
export type StackPorts = Record<StackPortName, number>;

export class StackSettingsError extends Error {}

/** Reads the ports (0 picks a free one now, so it can be written into configuration); throws listing every problem. */
export async function stackPorts(env: Record<string, string | undefined>): Promise<StackPorts> {
  const problems: string[] = [];
  const out = {} as StackPorts;
  for (const [name, spec] of Object.entries(STACK_PORTS) as [StackPortName, (typeof STACK_PORTS)[StackPortName]][]) {
    const raw = env[name]?.trim();
    const port = raw ? Number(raw) : spec.default;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      problems.push(`  ${name}: must be a port number 0-65535 (0: any free port), got ${JSON.stringify(raw)}`);
      continue;
    }
    out[name] = port === 0 ? await freePort() : port;
  }
  if (problems.length) throw new StackSettingsError(`invalid stack settings:\n${problems.join('\n')}`);
  return out;
}

/**
 * Resolves when nothing listens on 127.0.0.1:port (by listening there for a moment); rejects naming who wanted it.
 * `debianService`: the Debian package's own service that listens on that default port once installed.
 */
export function assertPortFree(port: number, variable: string, what: string, debianService?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new StackSettingsError(
          `port ${port} on ${STACK_HOST} for ${what} is not free (${err.code ?? err.message}): stop what uses it, ` +
            `or choose another with ${variable}=<port> (0: any free port)` +
            (debianService
              ? `; Debian's own ${debianService} service listens there: sudo systemctl stop ${debianService}`
              : ''),
        ),
      ),
    );
    srv.listen(port, STACK_HOST, () => srv.close(() => resolve()));
  });
}
