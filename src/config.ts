/**
 * The only reader of process.env. Every setting is documented here and in README.md; an invalid value stops
 * start-up with a ConfigError that lists every problem at once.
 */
import path from 'node:path';
import { z } from 'zod';

export type IpMode = 'store' | 'truncate' | 'drop';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** HTTP port (PORT, default 3000; 0 picks a free port). */
  readonly port: number;
  /** Listen address (HOST, default 127.0.0.1). */
  readonly host: string;
  /** PostgreSQL URL (DATABASE_URL). Unset: an embedded PostgreSQL keeps its data in DATA_DIR/postgres. */
  readonly databaseUrl: string | undefined;
  /**
   * PostgreSQL URL migrations run with, as the schema owner (DATABASE_MIGRATION_URL; default DATABASE_URL, so a
   * single-URL deployment keeps working). Undefined with the embedded PostgreSQL, which migrates as its superuser.
   */
  readonly databaseMigrationUrl: string | undefined;
  /** Directory for embedded PostgreSQL data and generated tokens (DATA_DIR, default ./.data). */
  readonly dataDir: string;
  /** Bearer tokens accepted on POST /v1/events (INGEST_TOKENS, comma-separated). Empty: generated. */
  readonly ingestTokens: readonly string[];
  /** Bearer tokens accepted on admin APIs (ADMIN_TOKENS, comma-separated). Empty: generated. */
  readonly adminTokens: readonly string[];
  /** IANA time zone in which KPI days and weeks are cut (METRICS_TZ, default UTC). */
  readonly metricsTimeZone: string;
  /** What happens to client IP addresses (IP_MODE: store | truncate (default, /24 and /48) | drop). */
  readonly ipMode: IpMode;
  /**
   * Bearer tokens Prometheus must send on GET /metrics (METRICS_TOKENS). Empty (default): /metrics needs none.
   */
  readonly metricsTokens: readonly string[];
  /**
   * A separate port for GET /metrics (METRICS_PORT), on HOST; the main port then no longer serves it.
   * Undefined (default): /metrics is on the main port.
   */
  readonly metricsPort: number | undefined;
  /** pino log level (LOG_LEVEL, default info). */
  readonly logLevel: LogLevel;
  /** OTLP endpoint for traces (OTEL_EXPORTER_OTLP_ENDPOINT). Unset: tracing off. */
  readonly otlpEndpoint: string | undefined;
  /** service.name resource attribute (OTEL_SERVICE_NAME, default workshop-analytics). */
  readonly serviceName: string;
  /** Group commit: most events written in one flush (INGEST_FLUSH_MAX_EVENTS, default 2000). */
  readonly flushMaxEvents: number;
  /**
   * Group commit: flushes that may run at once (INGEST_FLUSH_CONCURRENCY, default 2; bench:ingest measured 2 better
   * than 4 since the all-new flush statement).
   */
  readonly flushConcurrency: number;
  /** Most events waiting for a flush before new requests get 503 (INGEST_MAX_PENDING_EVENTS, default 50000). */
  readonly maxPendingEvents: number;
  /**
   * Most bytes of request bodies whose events are not yet answered (waiting for or in a flush) before new
   * requests get 503 (INGEST_MAX_PENDING_BYTES, default 64 MiB).
   */
  readonly maxPendingBytes: number;
  /** POST /v1/events bodies read at once; one more is answered 503 at once (INGEST_MAX_CONCURRENT_BODIES, 256). */
  readonly maxConcurrentBodies: number;
  /**
   * After SIGTERM (not SIGINT), how long /readyz answers 503 while requests are still served, so a load balancer
   * stops sending before the drain (SHUTDOWN_DELAY_SECONDS, default 5). Part of the 25 s shutdown limit.
   */
  readonly shutdownDelaySeconds: number;
  /** PostgreSQL pool size (DATABASE_POOL_SIZE, default 10). */
  readonly databasePoolSize: number;
  /**
   * Where the KPI aggregator runs (AGGREGATOR_MODE): `inline` (default: inside the service, next to ingest),
   * `only` (this process aggregates and serves admin/metrics APIs but takes no events), `off` (no scheduled jobs;
   * the API can still compute on demand).
   */
  readonly aggregatorMode: 'inline' | 'only' | 'off';
  /** Days after which an unaccepted invitation expires (INVITE_TTL_DAYS, default 7). */
  readonly inviteTtlDays: number;
  /**
   * Event log retention in whole months (EVENTS_RETENTION_MONTHS, 1-1200): the daily job drops the event
   * partitions of months that ended more than this many months before the current month (KPI rows and projections
   * stay). Undefined (default): events are kept forever.
   */
  readonly eventsRetentionMonths: number | undefined;
  /** Bearer tokens Alertmanager uses on POST /api/alerts/webhook (ALERT_WEBHOOK_TOKENS). Empty: generated. */
  readonly alertWebhookTokens: readonly string[];
  /** Weekly digest: Slack webhook URL file, SMTP URL, sender and recipients (DIGEST_*). Unset channels are skipped. */
  readonly digest: {
    readonly slackWebhookUrlFile: string | undefined;
    readonly smtpUrl: string | undefined;
    readonly emailFrom: string;
    readonly emailTo: readonly string[];
  };
  /**
   * E-mails to workshop owners for firing audience="workshop_owner" alerts (WorkshopThriving). `smtpUrl`:
   * OWNER_EMAIL_SMTP_URL, else DIGEST_SMTP_URL; undefined: owner e-mail off. `from`: OWNER_EMAIL_FROM (default
   * DIGEST_EMAIL_FROM). `accountManager`: ACCOUNT_MANAGER_EMAIL, who is e-mailed instead when no owner address is
   * known (undefined: nobody).
   */
  readonly ownerEmail: {
    readonly smtpUrl: string | undefined;
    readonly from: string;
    readonly accountManager: string | undefined;
  };
  /** Grafana base URL for links in the digest (GRAFANA_URL, default http://localhost:3001). */
  readonly grafanaUrl: string;
  /** Beta programme (BETA_START / BETA_END dates, BETA_TARGET_MIN / _MAX workshops). */
  readonly beta: {
    readonly start: string;
    readonly end: string;
    readonly targetMin: number;
    readonly targetMax: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** The token variables, in the order problems are reported; a token may be in one of them only. */
export const TOKEN_VARIABLES = ['INGEST_TOKENS', 'ADMIN_TOKENS', 'ALERT_WEBHOOK_TOKENS', 'METRICS_TOKENS'] as const;
export type TokenVariable = (typeof TOKEN_VARIABLES)[number];

/**
 * Problems when one token is in two token variables (ingest, admin, alert webhook and metrics tokens must differ,
 * so one leaked token never opens another door). Names the variables, never the token. `where` adds a source.
 */
export function sharedTokenProblems(
  sets: Partial<Record<TokenVariable, readonly string[]>>,
  where: Partial<Record<TokenVariable, string>> = {},
): string[] {
  const problems: string[] = [];
  const seen = new Map<string, TokenVariable>();
  const named = (v: TokenVariable) => (where[v] ? `${v} (${where[v]})` : v);
  for (const v of TOKEN_VARIABLES) {
    const clashes = new Set<TokenVariable>();
    for (const t of sets[v] ?? []) {
      const first = seen.get(t);
      if (first && first !== v) clashes.add(first);
      else seen.set(t, v);
    }
    for (const other of clashes)
      problems.push(
        `${named(v)}: a token is also in ${named(other)}; ingest, admin, alert webhook and metrics tokens must differ`,
      );
  }
  return problems;
}

const TOKEN = /^[A-Za-z0-9._~+/=-]{16,256}$/;

const tokenList = (name: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    )
    .refine((list) => list.every((t) => TOKEN.test(t)), {
      message: `${name}: every token must be 16-256 characters of [A-Za-z0-9._~+/=-]`,
    });

const int = (min: number, max: number, dflt: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? String(dflt) : v))
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
      message: `must be an integer from ${min} to ${max}`,
    })
    .transform(Number);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const isoDate = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), {
    message: 'must be a date YYYY-MM-DD',
  });

const smtpUrl = optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), {
  message: 'must start with smtp:// or smtps://',
});

/** A sender for a mail header: no control characters (CR, LF, NUL), so nothing can be added to the header. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const mailFrom = z
  .string()
  .min(3)
  .max(320)
  .refine((v) => !CONTROL_CHARACTERS.test(v), {
    message: 'must be an e-mail address (or "Name <address>") without control characters',
  });

const emailAddress = /^[^\s@,<>"]+@[^\s@,<>"]+$/;

const postgresUrl = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v))
  .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must start with postgres:// or postgresql://',
  });

const schema = z
  .object({
    PORT: int(0, 65535, 3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: postgresUrl,
    DATABASE_MIGRATION_URL: postgresUrl,
    DATA_DIR: z.string().min(1).default('./.data'),
    INGEST_TOKENS: tokenList('INGEST_TOKENS'),
    ADMIN_TOKENS: tokenList('ADMIN_TOKENS'),
    METRICS_TZ: z
      .string()
      .default('UTC')
      .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or America/Toronto' }),
    IP_MODE: z.enum(['store', 'truncate', 'drop']).default('truncate'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || /^https?:\/\//.test(v), { message: 'must be an http(s) URL' }),
    OTEL_SERVICE_NAME: z.string().min(1).default('workshop-analytics'),
    INGEST_FLUSH_MAX_EVENTS: int(1, 20000, 2000),
    INGEST_FLUSH_CONCURRENCY: int(1, 16, 2),
    INGEST_MAX_PENDING_EVENTS: int(1000, 10_000_000, 50_000),
    INGEST_MAX_PENDING_BYTES: int(1024 * 1024, 16 * 1024 ** 3, 64 * 1024 * 1024),
    INGEST_MAX_CONCURRENT_BODIES: int(1, 100_000, 256),
    SHUTDOWN_DELAY_SECONDS: int(0, 20, 5),
    DATABASE_POOL_SIZE: int(2, 200, 10),
    ALERT_WEBHOOK_TOKENS: tokenList('ALERT_WEBHOOK_TOKENS'),
    METRICS_TOKENS: tokenList('METRICS_TOKENS'),
    METRICS_PORT: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) <= 65535), {
        message: 'must be an integer from 0 to 65535',
      })
      .transform((v) => (v === undefined ? undefined : Number(v))),
    DIGEST_SLACK_WEBHOOK_URL_FILE: optionalString,
    DIGEST_SMTP_URL: smtpUrl,
    DIGEST_EMAIL_FROM: mailFrom.default('workshop-analytics@localhost'),
    OWNER_EMAIL_SMTP_URL: smtpUrl,
    OWNER_EMAIL_FROM: optionalString.pipe(mailFrom.optional()),
    ACCOUNT_MANAGER_EMAIL: optionalString.refine((v) => v === undefined || emailAddress.test(v), {
      message: 'must be one e-mail address',
    }),
    DIGEST_EMAIL_TO: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .refine((l) => l.every((a) => /^[^\s@]+@[^\s@]+$/.test(a)), {
        message: 'must be comma-separated email addresses',
      }),
    GRAFANA_URL: z
      .string()
      .regex(/^https?:\/\//, { message: 'must be an http(s) URL' })
      .default('http://localhost:3001'),
    AGGREGATOR_MODE: z.enum(['inline', 'only', 'off']).default('inline'),
    INVITE_TTL_DAYS: int(1, 365, 7),
    EVENTS_RETENTION_MONTHS: z
      .string()
      .optional()
      .transform((v) => (v === '' ? undefined : v))
      .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1200), {
        message: 'must be a whole number of months from 1 to 1200 (unset: keep events forever)',
      })
      .transform((v) => (v === undefined ? undefined : Number(v))),
    BETA_START: isoDate.default('2026-03-15'),
    BETA_END: isoDate.default('2026-05-15'),
    BETA_TARGET_MIN: int(1, 10_000, 3),
    BETA_TARGET_MAX: int(1, 10_000, 5),
  })
  .superRefine((e, ctx) => {
    if (e.BETA_END <= e.BETA_START)
      ctx.addIssue({ code: 'custom', path: ['BETA_END'], message: 'must be after BETA_START' });
    if (e.BETA_TARGET_MAX < e.BETA_TARGET_MIN)
      ctx.addIssue({ code: 'custom', path: ['BETA_TARGET_MAX'], message: 'must not be below BETA_TARGET_MIN' });
    if (e.DATABASE_MIGRATION_URL && !e.DATABASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_MIGRATION_URL'],
        message: 'only with DATABASE_URL (without it the embedded PostgreSQL is used, which migrates by itself)',
      });
    if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT)
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT' });
    for (const message of sharedTokenProblems(e)) ctx.addIssue({ code: 'custom', path: [], message });
  });

/** Reads the configuration from `env` (default process.env). Throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // issues without a path already name their variables (shared tokens)
    throw new ConfigError(parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message));
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseMigrationUrl: e.DATABASE_MIGRATION_URL ?? e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    ingestTokens: Object.freeze(e.INGEST_TOKENS),
    adminTokens: Object.freeze(e.ADMIN_TOKENS),
    metricsTimeZone: e.METRICS_TZ,
    ipMode: e.IP_MODE,
    logLevel: e.LOG_LEVEL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: e.OTEL_SERVICE_NAME,
    flushMaxEvents: e.INGEST_FLUSH_MAX_EVENTS,
    flushConcurrency: e.INGEST_FLUSH_CONCURRENCY,
    maxPendingEvents: e.INGEST_MAX_PENDING_EVENTS,
    maxPendingBytes: e.INGEST_MAX_PENDING_BYTES,
    maxConcurrentBodies: e.INGEST_MAX_CONCURRENT_BODIES,
    shutdownDelaySeconds: e.SHUTDOWN_DELAY_SECONDS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    alertWebhookTokens: Object.freeze(e.ALERT_WEBHOOK_TOKENS),
    metricsTokens: Object.freeze(e.METRICS_TOKENS),
    metricsPort: e.METRICS_PORT,
    digest: Object.freeze({
      slackWebhookUrlFile: e.DIGEST_SLACK_WEBHOOK_URL_FILE,
      smtpUrl: e.DIGEST_SMTP_URL,
      emailFrom: e.DIGEST_EMAIL_FROM,
      emailTo: Object.freeze(e.DIGEST_EMAIL_TO),
    }),
    ownerEmail: Object.freeze({
      smtpUrl: e.OWNER_EMAIL_SMTP_URL ?? e.DIGEST_SMTP_URL,
      from: e.OWNER_EMAIL_FROM ?? e.DIGEST_EMAIL_FROM,
      accountManager: e.ACCOUNT_MANAGER_EMAIL,
    }),
    grafanaUrl: e.GRAFANA_URL.replace(/\/$/, ''),
    aggregatorMode: e.AGGREGATOR_MODE,
    inviteTtlDays: e.INVITE_TTL_DAYS,
    eventsRetentionMonths: e.EVENTS_RETENTION_MONTHS,
    beta: Object.freeze({
      start: e.BETA_START,
      end: e.BETA_END,
      targetMin: e.BETA_TARGET_MIN,
      targetMax: e.BETA_TARGET_MAX,
    }),
  });
}
