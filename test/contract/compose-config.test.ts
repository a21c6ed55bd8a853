/**
 * docker-compose.yml checked by the real `docker-compose config` (Debian's docker-compose 1.29, which .ci/run
 * installs): the Compose schema, interpolation and the service list as Compose itself reads them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');
const services = (YAML.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, unknown> })
  .services;

describe('docker-compose.yml against the Compose schema', () => {
  it('passes `docker-compose config` (Debian docker-compose 1.29, which .ci/run installs)', () => {
    // 1.29 predates the Compose Specification's top-level `name:`; everything else is validated as written.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-compose-'));
    const file = path.join(dir, 'docker-compose.yml');
    writeFileSync(file, read('docker-compose.yml').replace(/^name:.*\n/m, ''));
    const out = execFileSync('docker-compose', ['-f', file, '--project-directory', ROOT, 'config', '--services'], {
      env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: '1' },
    }).toString();
    expect(out.trim().split('\n').sort()).toEqual(Object.keys(services).sort());
  });
});
