/**
 * `npm run render:alertmanager -- --out DIR [--env-file FILE] [--templates DIR]`: writes DIR/alertmanager.yml and
 * DIR/links.tmpl from the settings in the environment (README "Alert routing"; with --env-file, that file's
 * KEY=value lines come first and the environment overrides them), and with --templates copies the notification
 * templates (prometheus/alertmanager/templates) to DIR/templates/. Alertmanager then runs with
 * --config.file=DIR/alertmanager.yml. Exits 2 listing every problem with the settings.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderAlertmanagerConfig, renderLinksTemplate } from './alertmanager/render.js';
import { parseEnvFile, SettingsError, settingsFromEnv } from './alertmanager/settings.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, 'env-file': { type: 'string' }, templates: { type: 'string' } },
});
if (!values.out) {
  console.error('usage: npm run render:alertmanager -- --out DIR [--env-file FILE] [--templates DIR]');
  process.exit(2);
}
try {
  const fromFile = values['env-file'] ? parseEnvFile(readFileSync(values['env-file'], 'utf8')) : {};
  const settings = settingsFromEnv({ ...fromFile, ...process.env });
  mkdirSync(values.out, { recursive: true });
  // The heartbeat URL is a secret written into the file: readable by Alertmanager's user, not world-writable.
  writeFileSync(path.join(values.out, 'alertmanager.yml'), renderAlertmanagerConfig(settings), { mode: 0o644 });
  writeFileSync(path.join(values.out, 'links.tmpl'), renderLinksTemplate(settings), { mode: 0o644 });
  if (values.templates) cpSync(values.templates, path.join(values.out, 'templates'), { recursive: true });
  console.log(`wrote ${path.join(values.out, 'alertmanager.yml')} and links.tmpl`);
} catch (err) {
  console.error(err instanceof SettingsError ? err.message : String(err));
  process.exit(2);
}
