/**
 * The module-boundary rule (eslint.config.js, README "Layout") run by the real ESLint on source text placed at a
 * path in src/: an import that crosses the allowed dependency graph fails `npm run lint`; an allowed one passes.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message);
}

describe('module boundaries (eslint-plugin-boundaries)', () => {
  it.each([
    ['src/telemetry/x.ts', "import { KpiAggregator } from '../aggregate/kpi-aggregator.js';\nvoid KpiAggregator;"],
    [
      'src/telemetry/x.ts',
      "import type { NormalizedEvent } from '../ingest/event-schema.js';\nexport type T = NormalizedEvent;",
    ],
    ['src/http/x.ts', "import { EventWriter } from '../ingest/event-service.js';\nvoid EventWriter;"],
    ['src/ingest/x.ts', "import { KpiStore } from '../aggregate/kpi-store.js';\nvoid KpiStore;"],
    ['src/ingest/x.ts', "import { createTelemetry } from '../telemetry/metrics.js';\nvoid createTelemetry;"],
    ['src/aggregate/x.ts', "import { AlertStore } from '../alerts/alert-store.js';\nvoid AlertStore;"],
    ['src/db/x.ts', "import { EventStore } from '../ingest/event-store.js';\nvoid EventStore;"],
    ['src/catalogue/x.ts', "import { createPool } from '../db/pool.js';\nvoid createPool;"],
    [
      'packages/client/src/x.ts',
      "import { EVENT_TYPES } from '../../../src/catalogue/event-catalogue.js';\nvoid EVENT_TYPES;",
    ],
    [
      'packages/client/src/x.ts',
      "import type { EventType } from '../../../src/catalogue/event-catalogue.js';\nexport type E = EventType;",
    ],
    ['packages/client/src/x.ts', "import type { Config } from '../../../src/config.js';\nexport type C = Config;"],
    ['src/events/x.ts', "import { EventStore } from '../ingest/event-store.js';\nvoid EventStore;"],
    ['src/ingest/x.ts', "import { EventSearchStore } from '../events/event-search-store.js';\nvoid EventSearchStore;"],
  ])('%s may not import this: %s', async (file, code) => {
    const errors = await boundaryErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/may not import/);
  });

  it.each([
    ['src/aggregate/x.ts', "import { EventWriter } from '../ingest/event-service.js';\nvoid EventWriter;"],
    ['src/alerts/x.ts', "import { KpiStore } from '../aggregate/kpi-store.js';\nvoid KpiStore;"],
    [
      'src/ingest/x.ts',
      "import { AppError } from '../errors.js';\nimport { tokenCheck } from '../http/auth.js';\nvoid AppError, tokenCheck;",
    ],
    ['src/telemetry/x.ts', "import { KPI_GAUGES } from '../catalogue/metric-catalogue.js';\nvoid KPI_GAUGES;"],
    ['packages/client/src/x.ts', "import { encodeEvent } from './event.js';\nvoid encodeEvent;"],
    ['src/service.ts', "import { createTelemetry } from './telemetry/metrics.js';\nvoid createTelemetry;"],
  ])('%s may import this: %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});

describe('the client package imports only its own files (no-restricted-imports)', () => {
  async function importErrors(code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, 'packages/client/src/x.ts') });
    return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  it.each([
    "import { z } from 'zod';\nvoid z;",
    "import { randomUUID } from 'node:crypto';\nvoid randomUUID;",
    "import { isIP } from 'net';\nvoid isIP;",
    "import type { EventType } from '../../../src/catalogue/event-catalogue.js';\nexport type E = EventType;",
  ])('refused: %s', async (code) => {
    const errors = await importErrors(code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/imports only its own files/);
  });

  it('allowed: a sibling module', async () => {
    expect(await importErrors("import { encodeEvent } from './event.js';\nvoid encodeEvent;")).toEqual([]);
  });
});
