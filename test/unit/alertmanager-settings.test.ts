/** The render step's settings: validated all at once, with every problem named; documented in the README. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAlertmanagerConfig, renderLinksTemplate } from '../../scripts/alertmanager/render.js';
import { SETTING_NAMES, SettingsError, settingsFromEnv } from '../../scripts/alertmanager/settings.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VALID = {
  GRAFANA_URL: 'https://grafana.example/',
  ALERT_EMAIL_FROM: 'alerts@example.com',
  ALERT_EMAIL_ADMIN_TEAM: 'a@example.com, b@example.com',
  ALERT_EMAIL_TECH_TEAM: 'tech@example.com',
  ALERT_EMAIL_ACCOUNT_MANAGER: 'am@example.com',
  ALERT_SMTP_SMARTHOST: 'smtp.example.com:587',
  ALERT_SLACK_CRITICAL_URL_FILE: '/s/critical',
  ALERT_SLACK_ADMIN_URL_FILE: '/s/admin',
  ALERT_HISTORY_WEBHOOK_URL: 'http://app:3000/api/alerts/webhook',
  ALERT_HISTORY_WEBHOOK_TOKEN_FILE: '/s/token',
};

describe('Alertmanager render settings', () => {
  it('when several settings are wrong, then one error names every one of them', () => {
    const bad = {
      ...VALID,
      GRAFANA_URL: 'ftp://x',
      ALERT_EMAIL_TECH_TEAM: 'not-an-address',
      ALERT_SMTP_SMARTHOST: 'h',
    };
    delete (bad as Record<string, string>).ALERT_SLACK_ADMIN_URL_FILE;
    expect(() => settingsFromEnv(bad)).toThrow(SettingsError);
    const message = (() => {
      try {
        settingsFromEnv(bad);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const v of ['GRAFANA_URL', 'ALERT_EMAIL_TECH_TEAM', 'ALERT_SMTP_SMARTHOST', 'ALERT_SLACK_ADMIN_URL_FILE'])
      expect(message).toContain(v);
  });

  it('defaults: TLS required, no login, no wins channel, no heartbeat; addresses split, trailing slash dropped', () => {
    const s = settingsFromEnv(VALID);
    expect(s.smtp).toEqual({ smarthost: 'smtp.example.com:587', requireTls: true });
    expect(s.email.adminTeam).toEqual(['a@example.com', 'b@example.com']);
    expect(s.grafanaUrl).toBe('https://grafana.example');
    expect(s.slack.winsUrlFile).toBeUndefined();
    expect(s.heartbeatUrl).toBeUndefined();
    expect(renderAlertmanagerConfig(s)).not.toContain('smtp_auth_username');
    expect(renderLinksTemplate(s)).toContain('{{ define "workshop.grafana_url" }}https://grafana.example{{ end }}');
  });

  it('a user needs a password file; the heartbeat file must hold an http(s) URL', () => {
    expect(() => settingsFromEnv({ ...VALID, ALERT_SMTP_USERNAME: 'u' })).toThrow(/ALERT_SMTP_PASSWORD_FILE/);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'am-settings-')), 'hb');
    writeFileSync(file, 'javascript:alert(1)\n');
    expect(() => settingsFromEnv({ ...VALID, ALERT_HEARTBEAT_URL_FILE: file })).toThrow(/holds no http\(s\) URL/);
  });

  it('the README documents every setting', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const v of SETTING_NAMES) expect(readme, v).toContain(`\`${v}\``);
  });
});
