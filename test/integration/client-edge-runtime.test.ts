/**
 * The client package in an edge runtime: the package is bundled by name the way Next.js bundles edge code (esbuild,
 * the `edge-light` export condition), the bundle is checked to hold no Node built-in and no `process`, and it runs
 * in @edge-runtime/vm (Vercel's Edge Runtime primitives: fetch, Web Crypto, no `require`, no `process`) against
 * the real service, which stores what it sends.
 */
import { EdgeVM } from '@edge-runtime/vm';
import { build } from 'esbuild';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../support/database.js';
import { uuid } from '../support/events.js';
import { INGEST_TOKEN, startTestService } from '../support/service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PACKAGE = '@theautodoctor/workshop-analytics-client';

let svc: Awaited<ReturnType<typeof startTestService>>;
let bundle: { code: string; inputs: string[] };

beforeAll(async () => {
  svc = await startTestService();
  const result = await build({
    stdin: { contents: `import * as client from '${PACKAGE}';\nglobalThis.workshopClient = client;`, resolveDir: ROOT },
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    conditions: ['edge-light'],
    mainFields: ['module', 'main'],
    // comments out (they may mention Node), names kept: what is left is the code that runs
    minifyWhitespace: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  bundle = { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
});

afterAll(async () => {
  await svc?.stop();
});

/** Runs `body` (an async function's body, with `client` and `input` in scope) in a fresh Edge VM. */
async function inEdge<T>(body: string, input: unknown): Promise<T> {
  const vm = new EdgeVM();
  vm.evaluate(bundle.code);
  const run = vm.evaluate(`(async (client, input) => { ${body} })`) as (c: unknown, i: unknown) => Promise<string>;
  return JSON.parse(await run(vm.evaluate('globalThis.workshopClient'), JSON.stringify(input))) as T;
}

async function storedIds(ids: string[]): Promise<string[]> {
  const rows = await withClient(svc.databaseUrl, (c) =>
    c.query<{ id: string }>(`SELECT id::text AS id FROM workshop_events WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids]),
  );
  return rows.rows.map((r) => r.id);
}

describe('the client in an edge runtime', () => {
  it('when bundled for the edge, then only the browser/edge build is in it: no Node built-in, no process', () => {
    const fromPackage = bundle.inputs.filter((f) => f !== '<stdin>');
    expect(fromPackage.length).toBeGreaterThan(5);
    for (const file of fromPackage) expect(file).toMatch(/^packages\/client\/dist\/esm\/[a-z.-]+\.js$/);
    expect(fromPackage).not.toContain('packages/client/dist/esm/node.js');
    expect(bundle.code).not.toMatch(/\bnode:|\brequire\(|\bprocess\b|\bBuffer\b/);
  });

  it('when an edge function tracks events, then they are sent with fetch and stored', async () => {
    const ids = [uuid(), uuid()];
    const workshopId = uuid();
    const out = await inEdge<{ stats: { sent: number; dropped: number }; runtime: string; noProcess: boolean }>(
      `
      const { url, token, ids, workshopId } = JSON.parse(input);
      const tracker = client.createWorkshopTracker({ url, token });
      tracker.track({ id: ids[0], type: 'workshop_dashboard_accessed', workshop_id: workshopId });
      tracker.track({ id: ids[1], type: 'session_completed', workshop_id: workshopId, metadata: { revenue_cents: 4200 } });
      const stats = await tracker.shutdown({ timeoutMs: 10000 });
      return JSON.stringify({ stats, runtime: typeof EdgeRuntime, noProcess: typeof process === 'undefined' });
      `,
      { url: svc.url, token: INGEST_TOKEN, ids, workshopId },
    );
    expect(out.runtime).toBe('string');
    expect(out.noProcess).toBe(true);
    expect(out.stats).toMatchObject({ sent: 2, dropped: 0 });
    expect(await storedIds(ids)).toEqual([...ids].sort());
  });

  it('when trackWorkshopEvent runs on the edge, then it needs configureWorkshopAnalytics (no environment there)', async () => {
    const workshopId = uuid();
    const out = await inEdge<{ before: { reason: string }; after: { queued: boolean; id: string } }>(
      `
      const { url, token, workshopId } = JSON.parse(input);
      const params = { eventType: 'workshop_dashboard_accessed', workshopId };
      const before = await client.trackWorkshopEvent(params);
      client.configureWorkshopAnalytics({ url, token });
      const after = await client.trackWorkshopEvent(params);
      await client.shutdownWorkshopAnalytics();
      return JSON.stringify({ before, after });
      `,
      { url: svc.url, token: INGEST_TOKEN, workshopId },
    );
    expect(out.before.reason).toBe('not_configured');
    expect(out.after.queued).toBe(true);
    expect(await storedIds([out.after.id])).toEqual([out.after.id]);
  });
});
