// Builds dist/: ESM (dist/esm) and CommonJS (dist/cjs), each with its .d.ts, by running the pinned TypeScript
// compiler twice. dist/cjs/package.json marks that folder as CommonJS, so Node and TypeScript read its .js and
// .d.ts files as such. Run by `npm run build` and `prepack` (so `npm pack` always ships a fresh build).
// The build goes to a fresh folder that then replaces dist/ by rename, so code importing the package while it is
// rebuilt (tests running beside `npm pack`) never finds dist/ half-written.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const here = path.resolve(import.meta.dirname, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const next = path.join(here, `dist.next-${process.pid}`);
const old = path.join(here, `dist.old-${process.pid}`);
const dist = path.join(here, 'dist');

try {
  for (const [project, out] of [
    ['tsconfig.json', 'esm'],
    ['tsconfig.cjs.json', 'cjs'],
  ]) {
    execFileSync(process.execPath, [tsc, '-p', project, '--outDir', path.join(next, out)], {
      cwd: here,
      stdio: 'inherit',
    });
  }
  writeFileSync(path.join(next, 'cjs/package.json'), '{ "type": "commonjs" }\n');
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
} finally {
  rmSync(next, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}
