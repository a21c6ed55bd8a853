/**
 * vitest globalSetup of the tiers that use the client package by name (@theautodoctor/workshop-analytics-client,
 * linked by the npm workspace to packages/client, whose exports point at its build): builds packages/client/dist
 * when it is missing or older than a source file, so `npm ci && npx vitest run <file>` works in a fresh clone.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const PACKAGE = path.resolve(import.meta.dirname, '../../packages/client');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function builtAtMs(): number {
  try {
    return Math.min(
      statSync(path.join(PACKAGE, 'dist/esm/node.js')).mtimeMs,
      statSync(path.join(PACKAGE, 'dist/cjs/package.json')).mtimeMs,
    );
  } catch {
    return 0;
  }
}

export default function setup(): void {
  const sources = Math.max(
    newestMtimeMs(path.join(PACKAGE, 'src')),
    statSync(path.join(PACKAGE, 'package.json')).mtimeMs,
  );
  if (builtAtMs() >= sources) return;
  execFileSync(process.execPath, [path.join(PACKAGE, 'scripts/build.mjs')], { cwd: PACKAGE, stdio: 'inherit' });
}
