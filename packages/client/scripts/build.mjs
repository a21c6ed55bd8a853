// Builds dist/: ESM (dist/esm) and CommonJS (dist/cjs), each with its .d.ts, by running the pinned TypeScript
// compiler twice. dist/cjs/package.json marks that folder as CommonJS, so Node and TypeScript read its .js and
// .d.ts files as such. Run by `npm run build` and `prepack` (so `npm pack` always ships a fresh build).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const here = path.resolve(import.meta.dirname, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(path.join(here, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: here, stdio: 'inherit' });
}
mkdirSync(path.join(here, 'dist/cjs'), { recursive: true });
writeFileSync(path.join(here, 'dist/cjs/package.json'), '{ "type": "commonjs" }\n');
