import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      metricsTimeZone: 'UTC',
      ipMode: 'truncate',
      logLevel: 'info',
      otlpEndpoint: undefined,
    });
    expect(c.ingestTokens).toEqual([]);
    expect(c.dataDir.endsWith('.data')).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('when several values are invalid, then one error lists every problem', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: '70000',
        METRICS_TZ: 'Mars/Olympus',
        IP_MODE: 'hash',
        INGEST_TOKENS: 'short',
        DATABASE_URL: 'mysql://x',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of [
      'PORT',
      'METRICS_TZ',
      'IP_MODE',
      'INGEST_TOKENS',
      'DATABASE_URL',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ])
      expect(problems).toContain(name);
    expect((err as ConfigError).problems).toHaveLength(6);
  });

  it('aggregator and beta settings have the documented defaults and are checked together', () => {
    expect(loadConfig({})).toMatchObject({
      aggregatorMode: 'inline',
      inviteTtlDays: 7,
      beta: { start: '2026-03-15', end: '2026-05-15', targetMin: 3, targetMax: 5 },
    });
    let err: ConfigError | undefined;
    try {
      loadConfig({
        AGGREGATOR_MODE: 'sometimes',
        BETA_START: '2026-05-01',
        BETA_END: '2026-04-01',
        BETA_TARGET_MIN: '6',
        BETA_TARGET_MAX: '5',
        INVITE_TTL_DAYS: '0',
      });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => p.split(':')[0]).sort()).toEqual(['AGGREGATOR_MODE', 'INVITE_TTL_DAYS']);
    try {
      loadConfig({ BETA_START: '2026-05-01', BETA_END: '2026-04-01', BETA_TARGET_MIN: '6', BETA_TARGET_MAX: '5' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => p.split(':')[0]).sort()).toEqual(['BETA_END', 'BETA_TARGET_MAX']);
  });

  it('when tokens are comma-separated with spaces, then each is trimmed', () => {
    const c = loadConfig({ INGEST_TOKENS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb', METRICS_TZ: 'America/Toronto' });
    expect(c.ingestTokens).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(c.metricsTimeZone).toBe('America/Toronto');
  });
});
