/**
 * Alertmanager's configuration for `npm run stack`, made by the project's render step (scripts/alertmanager/, the
 * one `npm run render:alertmanager` and compose use) from local settings: the mail catcher without TLS or login, one
 * URL file per Slack channel pointing at the local sink, the heartbeat at the sink's /heartbeat, the service's history
 * webhook with its alert-webhook token in a file. Any of the render step's variables set in the environment (ALERT_*,
 * GRAFANA_URL) wins over the local default, so a developer can point the stack at a real relay or Slack.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderAlertmanagerConfig, renderLinksTemplate } from '../alertmanager/render.js';
import { SETTING_NAMES, settingsFromEnv, type AlertmanagerSettings } from '../alertmanager/settings.js';

/** The local teams' addresses (every mail lands in the catcher whatever the address). */
export const LOCAL_TEAMS = {
  ALERT_EMAIL_FROM: 'alertmanager@workshop.local',
  ALERT_EMAIL_ADMIN_TEAM: 'admins@workshop.local',
  ALERT_EMAIL_TECH_TEAM: 'tech@workshop.local',
  ALERT_EMAIL_ACCOUNT_MANAGER: 'account-managers@workshop.local',
} as const;

export interface LocalAlertmanagerInput {
  /** The configuration directory (DATA_DIR/stack/alertmanager). */
  dir: string;
  smtpHostPort: string;
  sinkUrl: string;
  /** The service's POST /api/alerts/webhook. */
  webhookUrl: string;
  env: Record<string, string | undefined>;
}

export interface LocalAlertmanager {
  settings: AlertmanagerSettings;
  /** Render-step variables the environment set (they replaced the local defaults). */
  overridden: string[];
  /** Where the service's alert-webhook token must be written before Alertmanager starts. */
  webhookTokenFile: string;
}

/** Writes the local URL files and reads the settings (environment first); throws SettingsError listing problems. */
export function localAlertmanagerSettings(i: LocalAlertmanagerInput): LocalAlertmanager {
  mkdirSync(i.dir, { recursive: true });
  const file = (name: string, text: string) => {
    const p = path.join(i.dir, name);
    writeFileSync(p, text + '\n', { mode: 0o600 });
    return p;
  };
  const webhookTokenFile = path.join(i.dir, 'webhook-token');
  const defaults: Record<string, string> = {
    GRAFANA_URL: 'http://localhost:3001',
    ...LOCAL_TEAMS,
    ALERT_SMTP_SMARTHOST: i.smtpHostPort,
    ALERT_SMTP_REQUIRE_TLS: 'false',
    ALERT_SLACK_CRITICAL_URL_FILE: file('slack-critical-url', `${i.sinkUrl}/slack/critical`),
    ALERT_SLACK_ADMIN_URL_FILE: file('slack-admin-url', `${i.sinkUrl}/slack/admin`),
    ALERT_SLACK_WINS_URL_FILE: file('slack-wins-url', `${i.sinkUrl}/slack/wins`),
    ALERT_HISTORY_WEBHOOK_URL: i.webhookUrl,
    ALERT_HISTORY_WEBHOOK_TOKEN_FILE: webhookTokenFile,
    ALERT_HEARTBEAT_URL_FILE: file('heartbeat-url', `${i.sinkUrl}/heartbeat`),
  };
  const overridden = SETTING_NAMES.filter((k) => i.env[k] !== undefined);
  const fromEnv = Object.fromEntries(overridden.map((k) => [k, i.env[k]]));
  return { settings: settingsFromEnv({ ...defaults, ...fromEnv }), overridden, webhookTokenFile };
}

/** Writes alertmanager.yml and links.tmpl (the render step's output) and a fresh copy of the templates into `dir`. */
export function writeAlertmanagerConfig(dir: string, settings: AlertmanagerSettings, templatesDir: string): string {
  const config = path.join(dir, 'alertmanager.yml');
  writeFileSync(config, renderAlertmanagerConfig(settings), { mode: 0o644 });
  writeFileSync(path.join(dir, 'links.tmpl'), renderLinksTemplate(settings), { mode: 0o644 });
  rmSync(path.join(dir, 'templates'), { recursive: true, force: true });
  cpSync(templatesDir, path.join(dir, 'templates'), { recursive: true });
  return config;
}
