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

  it('when METRICS_TOKENS, METRICS_PORT and DATABASE_MIGRATION_URL are unset, then /metrics is open on the main port and migrations use DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://app@db/x' });
    expect(c.metricsTokens).toEqual([]);
    expect(c.metricsPort).toBeUndefined();
    expect(c.databaseMigrationUrl).toBe('postgres://app@db/x');
    expect(loadConfig({}).databaseMigrationUrl).toBeUndefined();
  });

  it('when METRICS_TOKENS, METRICS_PORT and DATABASE_MIGRATION_URL are set, then they are read and checked', () => {
    const c = loadConfig({
      METRICS_TOKENS: 'metrics-token-0123456789, metrics-token-abcdefghij',
      METRICS_PORT: '9464',
      DATABASE_URL: 'postgres://app@db/x',
      DATABASE_MIGRATION_URL: 'postgres://owner@db/x',
    });
    expect(c.metricsTokens).toEqual(['metrics-token-0123456789', 'metrics-token-abcdefghij']);
    expect(c.metricsPort).toBe(9464);
    expect(c.databaseMigrationUrl).toBe('postgres://owner@db/x');
    const err = (() => {
      try {
        loadConfig({
          METRICS_TOKENS: 'short',
          METRICS_PORT: '70000',
          DATABASE_URL: 'postgres://app@db/x',
          DATABASE_MIGRATION_URL: 'mysql://x',
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_MIGRATION_URL',
      'METRICS_PORT',
      'METRICS_TOKENS',
    ]);
  });

  it('when DATABASE_MIGRATION_URL is set without DATABASE_URL, then start-up refuses (the app would use the embedded server)', () => {
    expect(() => loadConfig({ DATABASE_MIGRATION_URL: 'postgres://owner@db/x' })).toThrow(
      /DATABASE_MIGRATION_URL: only with DATABASE_URL/,
    );
  });

  it('when METRICS_PORT equals PORT, then start-up refuses', () => {
    expect(() => loadConfig({ PORT: '3000', METRICS_PORT: '3000' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(loadConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0); // both free ports: two listeners
  });

  it('when one token is in two of INGEST_TOKENS, ADMIN_TOKENS, ALERT_WEBHOOK_TOKENS, METRICS_TOKENS, then start-up refuses naming both', () => {
    const shared = 'shared-token-0123456789';
    const err = (() => {
      try {
        loadConfig({
          INGEST_TOKENS: `ingest-token-0123456789,${shared}`,
          ADMIN_TOKENS: shared,
          ALERT_WEBHOOK_TOKENS: 'webhook-token-0123456789',
          METRICS_TOKENS: 'webhook-token-0123456789',
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toEqual([
      'ADMIN_TOKENS: a token is also in INGEST_TOKENS; ingest, admin, alert webhook and metrics tokens must differ',
      'METRICS_TOKENS: a token is also in ALERT_WEBHOOK_TOKENS; ingest, admin, alert webhook and metrics tokens must differ',
    ]);
    expect(err!.message).not.toContain(shared); // the secret itself is never printed
  });
});

describe('owner e-mail settings', () => {
  it('when nothing is set, then owner e-mail is off and sent from the digest sender', () => {
    expect(loadConfig({}).ownerEmail).toEqual({
      smtpUrl: undefined,
      from: 'workshop-analytics@localhost',
      accountManager: undefined,
    });
  });

  it('when only DIGEST_SMTP_URL is set, then owner e-mail uses it and DIGEST_EMAIL_FROM', () => {
    const c = loadConfig({ DIGEST_SMTP_URL: 'smtp://mailpit:1025', DIGEST_EMAIL_FROM: 'digest@autodoctor.example' });
    expect(c.ownerEmail).toMatchObject({ smtpUrl: 'smtp://mailpit:1025', from: 'digest@autodoctor.example' });
  });

  it('when OWNER_EMAIL_* and ACCOUNT_MANAGER_EMAIL are set, then they win', () => {
    const c = loadConfig({
      DIGEST_SMTP_URL: 'smtp://mailpit:1025',
      OWNER_EMAIL_SMTP_URL: 'smtps://user:pass@smtp.example:465',
      OWNER_EMAIL_FROM: 'Workshop programme <programme@autodoctor.example>',
      ACCOUNT_MANAGER_EMAIL: 'am@autodoctor.example',
    });
    expect(c.ownerEmail).toEqual({
      smtpUrl: 'smtps://user:pass@smtp.example:465',
      from: 'Workshop programme <programme@autodoctor.example>',
      accountManager: 'am@autodoctor.example',
    });
    expect(c.digest.smtpUrl).toBe('smtp://mailpit:1025');
  });

  it('when they are invalid, then start-up refuses listing each', () => {
    const err = (() => {
      try {
        loadConfig({
          OWNER_EMAIL_SMTP_URL: 'http://mail',
          OWNER_EMAIL_FROM: 'programme@autodoctor.example\r\nBcc: x@example.com',
          ACCOUNT_MANAGER_EMAIL: 'am@autodoctor.example, boss@autodoctor.example',
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'ACCOUNT_MANAGER_EMAIL',
      'OWNER_EMAIL_FROM',
      'OWNER_EMAIL_SMTP_URL',
    ]);
  });
});

describe('EVENTS_RETENTION_MONTHS', () => {
  it('when unset or empty, then events are kept forever; when a whole number of months, then that number', () => {
    expect(loadConfig({}).eventsRetentionMonths).toBeUndefined();
    expect(loadConfig({ EVENTS_RETENTION_MONTHS: '' }).eventsRetentionMonths).toBeUndefined();
    expect(loadConfig({ EVENTS_RETENTION_MONTHS: '13' }).eventsRetentionMonths).toBe(13);
  });

  it.each(['0', '-1', '1.5', 'twelve', '1201'])('when %j, then start-up stops naming the variable', (v) => {
    expect(() => loadConfig({ EVENTS_RETENTION_MONTHS: v })).toThrow(/EVENTS_RETENTION_MONTHS: must be a whole number/);
  });
});
