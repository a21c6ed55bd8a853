import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';
import { ev, uuid } from '../support/events.js';
import { ADMIN_TOKEN, INGEST_TOKEN, postEvents } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Span {
  name: string;
  kind: number;
  scope: string;
}

/** A real OTLP/HTTP (JSON) trace receiver. */
async function otlpReceiver() {
  const spans: Span[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const msg = JSON.parse(body) as {
          resourceSpans: Array<{
            scopeSpans: Array<{ scope: { name: string }; spans: Array<{ name: string; kind: number }> }>;
          }>;
        };
        for (const rs of msg.resourceSpans)
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) spans.push({ name: s.name, kind: s.kind, scope: ss.scope.name });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    spans,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(r)),
  };
}

async function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './src/telemetry/preload.ts', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      INGEST_TOKENS: INGEST_TOKEN,
      ADMIN_TOKENS: ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'wa-trace-')),
      // the full service runs its cron schedule: no KPI or check job (on the hour, at 01:00, ...) may
      // fire into this test; live gauges still refresh every minute, as in every mode
      AGGREGATOR_MODE: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`service did not start: ${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
  });
  return { child, url };
}

describe('tracing', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('when OTEL_EXPORTER_OTLP_ENDPOINT is set, then http, express and pg spans are exported over OTLP and /metrics stays clean', async () => {
    const receiver = await otlpReceiver();
    const { child, url } = await startChild({
      DATABASE_URL: await createTestDatabase(),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    children.push(child);
    expect((await postEvents(url, ev('workshop_dashboard_accessed', { workshop_id: uuid() }))).status).toBe(202);
    // an Express route that queries PostgreSQL (POST /v1/events itself is served before Express)
    const latest = await fetch(`${url}/api/metrics/latest`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(latest.status).toBe(404);
    // the instrumentations' own metrics (some labelled with client-sent values such as Host) stay off /metrics
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^workshop_events_total/m);
    expect(metrics).not.toMatch(/^(http_server|http_client|db_client)_/m);
    child.kill('SIGTERM'); // shutdown flushes the span processor
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    const scopes = new Set(receiver.spans.map((s) => s.scope));
    expect(scopes).toContain('@opentelemetry/instrumentation-http');
    expect(scopes).toContain('@opentelemetry/instrumentation-express');
    expect(scopes).toContain('@opentelemetry/instrumentation-pg');
    expect(receiver.spans.some((s) => s.name.includes('/v1/events'))).toBe(true);
    await receiver.close();
  });
});
