/** Renders docs/runbooks.md from the policy and the runbook texts in src/policy/runbooks/. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Policy, POLICY, renderRunbooks } from '../../src/policy/index.js';

export const RUNBOOK_TEXTS_DIR = path.resolve(import.meta.dirname, '../../src/policy/runbooks');

/** The runbook texts: file name → markdown. */
export function readRunbookTexts(dir = RUNBOOK_TEXTS_DIR): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );
}

export function renderRunbooksDoc(policy: Policy = POLICY): string {
  return renderRunbooks(policy, readRunbookTexts());
}
