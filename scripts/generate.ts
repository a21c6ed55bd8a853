/** `npm run generate`: writes every generated artefact (docs/events.md, docs/metrics.md). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GENERATED } from './generated.js';

const root = path.resolve(import.meta.dirname, '..');
for (const [file, render] of Object.entries(GENERATED)) {
  await writeFile(path.join(root, file), await render());
  console.log(`wrote ${file}`);
}
