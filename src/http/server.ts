/**
 * The HTTP server: listens, and on stop drains. Requests are offered to each handler served before Express in
 * turn (a handler returns false to pass), then to the Express app.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves the request and returns true, or returns false to pass it on. */
export type FastHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface HttpServerOptions {
  host: string;
  port: number;
  fast: readonly FastHandler[];
  app: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface HttpServer {
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections, closes idle ones, asks clients to close after their current request, and
   * resolves when no request is in flight (true) or after `timeoutMs` (false: requests were still in flight).
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Closes every remaining connection. */
  close(): void;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const server = http.createServer((req, res) => {
    for (const handle of opts.fast) if (handle(req, res)) return;
    opts.app(req, res);
  });
  server.keepAliveTimeout = 65_000;
  let inFlight = 0;
  let draining = false;
  const idle: Array<() => void> = [];
  server.on('request', (_req, res: ServerResponse) => {
    inFlight++;
    if (draining) res.setHeader('Connection', 'close');
    res.on('close', () => {
      if (--inFlight === 0) idle.splice(0).forEach((f) => f());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    async drain(timeoutMs) {
      draining = true;
      server.close();
      server.closeIdleConnections();
      if (inFlight === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        new Promise<boolean>((r) => idle.push(() => r(true))),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs).unref())),
      ]);
      clearTimeout(timer);
      return drained;
    },
    close() {
      server.closeAllConnections();
    },
  };
}
