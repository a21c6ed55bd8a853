/**
 * The client package as an app developer gets it: `npm pack --workspace packages/client` (which builds it), the
 * tarball installed into a fresh app with `npm install --offline` (no registry: the package has no dependencies),
 * then the app's own ESM and CommonJS modules (test/integration/client-consumer/) send events to the real service,
 * and the root's TypeScript compiler checks good and bad usages against the installed package's types.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../support/database.js';
import { uuid } from '../support/events.js';
import { INGEST_TOKEN, startTestService } from '../support/service.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(import.meta.dirname, 'client-consumer');
const NAME = '@theautodoctor/workshop-analytics-client';
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

interface PackResult {
  name: string;
  version: string;
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

let svc: Awaited<ReturnType<typeof startTestService>>;
let work: string;
let app: string;
let packed: PackResult;

/** The environment without npm's run-script variables (a parent `npm test` must not steer the child npm). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, ...extra };
}

async function node(script: string, input: unknown, env: Record<string, string> = {}): Promise<unknown> {
  const { stdout } = await run(process.execPath, [script, JSON.stringify(input)], {
    cwd: app,
    env: cleanEnv(env),
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

interface StoredRow {
  id: string;
  event_type: string;
  workshop_id: string | null;
  admin_id: string | null;
  mechanic_id: string | null;
  revenue_cents: string | null;
  metadata: Record<string, unknown> | null;
  occurred_at: Date;
}

async function stored(ids: string[]): Promise<StoredRow[]> {
  const rows = await withClient(svc.databaseUrl, (c) =>
    c.query<StoredRow>(
      `SELECT id::text AS id, event_type, workshop_id::text AS workshop_id, admin_id::text AS admin_id,
              mechanic_id::text AS mechanic_id, revenue_cents::text AS revenue_cents, metadata, occurred_at
         FROM workshop_events WHERE id = ANY($1::uuid[]) ORDER BY event_type`,
      [ids],
    ),
  );
  return rows.rows;
}

beforeAll(async () => {
  svc = await startTestService();
  work = await mkdtemp(path.join(os.tmpdir(), 'wa-client-consumer-'));
  const { stdout } = await run(
    'npm',
    ['pack', '--workspace', 'packages/client', '--pack-destination', work, '--json', '--loglevel', 'error'],
    { cwd: ROOT, env: cleanEnv(), timeout: 120_000 },
  );
  packed = (JSON.parse(stdout) as PackResult[])[0]!;
  app = path.join(work, 'app');
  await cp(FIXTURES, app, { recursive: true });
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true }) + '\n');
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(work, packed.filename)], {
    cwd: app,
    env: cleanEnv(),
    timeout: 120_000,
  });
}, 240_000);

afterAll(async () => {
  await svc?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed client package', () => {
  it('when packed, then the tarball holds the build, README, LICENSE, CHANGELOG and package.json only', async () => {
    const modules = (await readdir(path.join(ROOT, 'packages/client/src')))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -'.ts'.length));
    const expected = [
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'package.json',
      'dist/cjs/package.json',
      ...modules.flatMap((m) => ['esm', 'cjs'].flatMap((d) => [`dist/${d}/${m}.js`, `dist/${d}/${m}.d.ts`])),
    ];
    expect(packed.files.map((f) => f.path).sort()).toEqual(expected.sort());
    expect(packed).toMatchObject({ name: NAME, version: '0.1.0' });
  });

  it('when installed into an empty app, then it is the only package in node_modules and declares no dependency', async () => {
    expect((await readdir(path.join(app, 'node_modules'))).sort()).toEqual(['.package-lock.json', '@theautodoctor']);
    expect(await readdir(path.join(app, 'node_modules/@theautodoctor'))).toEqual(['workshop-analytics-client']);
    const lock = JSON.parse(await readFile(path.join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    expect(Object.keys(lock.packages).sort()).toEqual(['', `node_modules/${NAME}`]);
    const manifest = JSON.parse(await readFile(path.join(app, 'node_modules', NAME, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ license: 'Apache-2.0', sideEffects: false });
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) {
      expect(manifest, field).not.toHaveProperty(field);
    }
  });

  it('when an ESM module tracks events with its own tracker, then the service stores them', async () => {
    const ids = [uuid(), uuid()];
    const workshopId = uuid();
    const stats = await node('esm-tracker.mjs', { url: svc.url, token: INGEST_TOKEN, ids, workshopId });
    expect(stats).toMatchObject({ sent: 2, dropped: 0 });
    const rows = await stored(ids);
    expect(rows.map((r) => [r.id, r.event_type, r.workshop_id, r.revenue_cents])).toEqual([
      [ids[1], 'session_completed', workshopId, '12500'],
      [ids[0], 'workshop_dashboard_accessed', workshopId, null],
    ]);
  });

  it('when an ESM module calls trackWorkshopEvent after configureWorkshopAnalytics, then the wire names are stored', async () => {
    const workshopId = uuid();
    const mechanicId = uuid();
    const out = (await node('esm-plan-api.mjs', { url: svc.url, token: INGEST_TOKEN, workshopId, mechanicId })) as {
      result: { queued: boolean; id: string };
      stats: { sent: number };
    };
    expect(out.result.queued).toBe(true);
    expect(out.stats.sent).toBe(1);
    const [row] = await stored([out.result.id]);
    expect(row).toMatchObject({
      id: out.result.id,
      event_type: 'mechanic_invite_accepted',
      workshop_id: workshopId,
      mechanic_id: mechanicId,
      metadata: { invite_id: 'inv-42' },
    });
    expect(row!.occurred_at.toISOString()).toBe('2026-11-30T09:15:00.000Z');
  });

  it('when a CommonJS module calls trackWorkshopEvent configured by the environment, then the service stores it', async () => {
    const workshopId = uuid();
    const adminId = uuid();
    const out = (await node(
      'cjs-plan-api.cjs',
      { workshopId, adminId },
      { WORKSHOP_ANALYTICS_URL: svc.url, WORKSHOP_ANALYTICS_TOKEN: INGEST_TOKEN },
    )) as { approved: { queued: boolean; id: string }; rejected: { queued: boolean; id: string } };
    expect([out.approved.queued, out.rejected.queued]).toEqual([true, true]);
    const rows = await stored([out.approved.id, out.rejected.id]);
    expect(rows.map((r) => [r.id, r.event_type, r.workshop_id, r.admin_id, r.metadata])).toEqual([
      [out.approved.id, 'workshop_approved', workshopId, adminId, null],
      [out.rejected.id, 'workshop_rejected', workshopId, adminId, { reason: 'duplicate' }],
    ]);
  });

  it('when one process loads both the ESM and the CommonJS build, then they share the default tracker', async () => {
    const workshopId = uuid();
    const out = (await node('esm-and-cjs-shared.mjs', { url: svc.url, token: INGEST_TOKEN, workshopId })) as {
      result: { queued: boolean; id: string };
      stats: { sent: number };
      distinctBuilds: boolean;
    };
    expect(out.distinctBuilds).toBe(true);
    expect(out.result.queued).toBe(true);
    expect(out.stats.sent).toBe(1);
    expect((await stored([out.result.id])).map((r) => r.workshop_id)).toEqual([workshopId]);
  });

  it('when checked with the bundler resolution of a Next.js app, then the good usages compile too', async () => {
    await expect(
      run(process.execPath, [TSC, '-p', 'types/tsconfig.bundler.json', '--pretty', 'false'], {
        cwd: app,
        timeout: 120_000,
      }),
    ).resolves.toMatchObject({ stdout: '' });
  });

  it("when the app's TypeScript is checked, then good usages compile and each bad one fails with its error", async () => {
    const result = await run(process.execPath, [TSC, '-p', 'types/tsconfig.json', '--pretty', 'false'], {
      cwd: app,
      timeout: 120_000,
    }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    expect(result.code).not.toBe(0);
    // file(line,col): error TSnnnn: message, then indented continuation lines of the same diagnostic
    const diagnostics = result.stdout.split(/\n(?=\S)/).filter(Boolean);
    const byFile = new Map<string, { code: string; text: string }[]>();
    for (const d of diagnostics) {
      const m = /^types\/([^(]+)\(\d+,\d+\): error (TS\d+): /.exec(d);
      expect(m, `unexpected tsc output: ${d}`).not.toBeNull();
      byFile.set(m![1]!, [...(byFile.get(m![1]!) ?? []), { code: m![2]!, text: d }]);
    }
    const expected: Record<string, [code: string, says: RegExp]> = {
      'bad-unknown-type.mts': [
        'TS2820',
        /Type '"workshop_aproved"' is not assignable .* Did you mean '"workshop_approved"'/,
      ],
      'bad-unknown-type-track.cts': ['TS2322', /Type '"invoice_paid"' is not assignable to type/],
      'bad-missing-admin.mts': ['TS2345', /Property 'adminId' is missing .* required in type 'WorkshopApprovedParams'/],
      'bad-missing-admin-track.mts': [
        'TS2345',
        /Property 'admin_id' is missing .* required in type 'WorkshopApprovedEvent'/,
      ],
      'bad-missing-revenue.mts': ['TS2345', /Property 'revenue_cents' is missing/],
      'bad-missing-metadata.mts': [
        'TS2345',
        /Property 'metadata' is missing .* required in type 'SessionCompletedParams'/,
      ],
      'bad-options.mts': ['TS2345', /Property 'token' is missing/],
    };
    expect([...byFile.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [file, [code, says]] of Object.entries(expected)) {
      const errors = byFile.get(file)!;
      expect(errors, `${file}: ${JSON.stringify(errors)}`).toHaveLength(1);
      expect(errors[0]!.code, file).toBe(code);
      expect(errors[0]!.text.replace(/\s+/g, ' '), file).toMatch(says);
    }
  });
});
