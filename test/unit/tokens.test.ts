import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { resolveTokens } from '../../src/tokens.js';

const none = { ingestTokens: [], adminTokens: [], alertWebhookTokens: [] } as const;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'wa-tokens-'));

describe('resolveTokens', () => {
  it('when tokens are generated, then tokens.json is written with mode 0600, no temp file is left, and they differ', async () => {
    const dir = tmp();
    const t = await resolveTokens({ ...none, dataDir: dir });
    const file = path.join(dir, 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['tokens.json']);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect([t.ingest[0], t.admin[0], t.alertWebhook[0]]).toEqual([stored.ingest, stored.admin, stored.alert_webhook]);
    expect(new Set([stored.ingest, stored.admin, stored.alert_webhook]).size).toBe(3);
    // a second start reads the same tokens
    expect((await resolveTokens({ ...none, dataDir: dir })).admin).toEqual(t.admin);
  });

  it('when a token set in the environment equals a stored one of another kind, then start-up refuses naming both', async () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'tokens.json'),
      JSON.stringify({
        ingest: 'stored-ingest-0123456789',
        admin: 'stored-admin-0123456789',
        alert_webhook: 'stored-hook-0123456789',
      }),
    );
    const err = await resolveTokens({ ...none, adminTokens: ['stored-ingest-0123456789'], dataDir: dir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      `ADMIN_TOKENS: a token is also in INGEST_TOKENS (${path.join(dir, 'tokens.json')}); ingest, admin, alert webhook and metrics tokens must differ`,
    ]);
  });

  it('when tokens.json lacks a kind, then it is replaced whole (a new file renamed over it), never rewritten in place', async () => {
    const dir = tmp();
    const file = path.join(dir, 'tokens.json');
    writeFileSync(file, JSON.stringify({ ingest: 'stored-ingest-0123456789' }), { mode: 0o644 });
    const before = statSync(file).ino;
    const t = await resolveTokens({ ...none, dataDir: dir });
    expect(t.ingest).toEqual(['stored-ingest-0123456789']);
    expect(statSync(file).ino).not.toBe(before);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });
});
