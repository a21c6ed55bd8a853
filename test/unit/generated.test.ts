import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED } from '../../scripts/generated.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('generated artefacts', () => {
  it.each(Object.keys(GENERATED))('%s is committed exactly as `npm run generate` writes it', async (file) => {
    const committed = await readFile(path.join(root, file), 'utf8');
    expect(committed, `${file} is stale: run npm run generate`).toBe(await GENERATED[file]!());
  });
});
