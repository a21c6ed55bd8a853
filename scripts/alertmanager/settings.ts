/**
 * The one documented set of settings the Alertmanager configuration is rendered from (`npm run
 * render:alertmanager`). Alertmanager 0.25 reads neither environment variables nor files for `to:` addresses or
 * webhook URLs, so they are written into the rendered file; secrets that Alertmanager can read from a file (Slack
 * webhook URLs, the SMTP password, the service's webhook token) stay files, and only their paths are written.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export interface AlertmanagerSettings {
  /** Grafana's base URL: alert links are this plus the rule's relative `dashboard_path`. */
  grafanaUrl: string;
  email: {
    from: string;
    adminTeam: string[];
    techTeam: string[];
    accountManager: string[];
  };
  smtp: {
    /** host:port */
    smarthost: string;
    /** STARTTLS required (production); false only for a local mail catcher. */
    requireTls: boolean;
    /** Unset: no SMTP authentication. */
    username?: string;
    passwordFile?: string;
    /** CA bundle to verify the SMTP server's certificate (unset: the system's). */
    caFile?: string;
  };
  /** One Slack incoming-webhook URL file per channel (a webhook posts to the one channel it was created for). */
  slack: { criticalUrlFile: string; adminUrlFile: string; winsUrlFile?: string };
  /** The service's alert-history webhook and the file holding its bearer token. */
  historyWebhook: { url: string; tokenFile: string };
  /** Dead man's switch URL (read from ALERT_HEARTBEAT_URL_FILE); unset: the watchdog reaches nobody. */
  heartbeatUrl?: string;
}

const addresses = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.email({ message: 'must be comma-separated email addresses' })).min(1));
const optional = z
  .string()
  .optional()
  .transform((s) => (s && s.trim() ? s.trim() : undefined));
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

const schema = z.object({
  GRAFANA_URL: httpUrl.transform((u) => u.replace(/\/+$/, '')),
  ALERT_EMAIL_FROM: z.email(),
  ALERT_EMAIL_ADMIN_TEAM: addresses,
  ALERT_EMAIL_TECH_TEAM: addresses,
  ALERT_EMAIL_ACCOUNT_MANAGER: addresses,
  ALERT_SMTP_SMARTHOST: z.string().regex(/^[^\s:]+:\d{1,5}$/, { message: 'must be host:port' }),
  ALERT_SMTP_REQUIRE_TLS: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
  ALERT_SMTP_USERNAME: optional,
  ALERT_SMTP_PASSWORD_FILE: optional,
  ALERT_SMTP_CA_FILE: optional,
  ALERT_SLACK_CRITICAL_URL_FILE: z.string().min(1),
  ALERT_SLACK_ADMIN_URL_FILE: z.string().min(1),
  ALERT_SLACK_WINS_URL_FILE: optional,
  ALERT_HISTORY_WEBHOOK_URL: httpUrl,
  ALERT_HISTORY_WEBHOOK_TOKEN_FILE: z.string().min(1),
  ALERT_HEARTBEAT_URL_FILE: optional,
});

/** Every setting's variable name (README "Alert routing" documents each; a unit test checks it does). */
export const SETTING_NAMES = Object.keys(schema.shape);

export class SettingsError extends Error {}

/** Reads the settings from `env` (and the heartbeat URL from its file); throws listing every problem. */
export function settingsFromEnv(env: Record<string, string | undefined>): AlertmanagerSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new SettingsError(`invalid Alertmanager settings:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.ALERT_SMTP_USERNAME && !e.ALERT_SMTP_PASSWORD_FILE)
    throw new SettingsError(
      'invalid Alertmanager settings:\n  ALERT_SMTP_PASSWORD_FILE: required with ALERT_SMTP_USERNAME',
    );
  let heartbeatUrl: string | undefined;
  if (e.ALERT_HEARTBEAT_URL_FILE) {
    heartbeatUrl = readFileSync(e.ALERT_HEARTBEAT_URL_FILE, 'utf8').trim();
    if (!httpUrl.safeParse(heartbeatUrl).success)
      throw new SettingsError(
        `invalid Alertmanager settings:\n  ALERT_HEARTBEAT_URL_FILE: ${e.ALERT_HEARTBEAT_URL_FILE} holds no http(s) URL`,
      );
  }
  return {
    grafanaUrl: e.GRAFANA_URL,
    email: {
      from: e.ALERT_EMAIL_FROM,
      adminTeam: e.ALERT_EMAIL_ADMIN_TEAM,
      techTeam: e.ALERT_EMAIL_TECH_TEAM,
      accountManager: e.ALERT_EMAIL_ACCOUNT_MANAGER,
    },
    smtp: {
      smarthost: e.ALERT_SMTP_SMARTHOST,
      requireTls: e.ALERT_SMTP_REQUIRE_TLS === 'true',
      username: e.ALERT_SMTP_USERNAME,
      passwordFile: e.ALERT_SMTP_USERNAME ? e.ALERT_SMTP_PASSWORD_FILE : undefined,
      caFile: e.ALERT_SMTP_CA_FILE,
    },
    slack: {
      criticalUrlFile: e.ALERT_SLACK_CRITICAL_URL_FILE,
      adminUrlFile: e.ALERT_SLACK_ADMIN_URL_FILE,
      winsUrlFile: e.ALERT_SLACK_WINS_URL_FILE,
    },
    historyWebhook: { url: e.ALERT_HISTORY_WEBHOOK_URL, tokenFile: e.ALERT_HISTORY_WEBHOOK_TOKEN_FILE },
    heartbeatUrl,
  };
}

/** Parses a KEY=value file (comments and blank lines ignored), as the example settings are kept. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}
