// Lint: recommended JS + typescript-eslint rules, plus the layering rules of CONVENTIONS.md:
// only *-routes.ts and src/http import express, only *-store.ts and src/db import pg, only src/telemetry
// imports metrics/tracing libraries, only schedule.ts imports node-cron.
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

const layers = {
  express: { files: ['src/**/*-routes.ts', 'src/http/**/*.ts'], paths: ['express'] },
  pg: { files: ['src/**/*-store.ts', 'src/db/**/*.ts'], paths: ['pg', 'pg-copy-streams'] },
  metrics: { files: ['src/telemetry/**/*.ts'], paths: ['prom-client'], patterns: ['@opentelemetry/*'] },
  cron: { files: ['src/**/schedule.ts'], paths: ['node-cron'] },
};

/** One block per layer: files of that layer may import its libraries, and no other layer's. */
function layerBlocks() {
  const all = Object.keys(layers);
  const restriction = (allowed) => {
    const others = all.filter((k) => !allowed.includes(k));
    return [
      'error',
      {
        // type-only imports are allowed: the layering is about runtime dependencies
        paths: others.flatMap((k) =>
          layers[k].paths.map((name) => ({
            name,
            allowTypeImports: true,
            message: `only ${layers[k].files.join(', ')} may import ${name}`,
          })),
        ),
        patterns: others.flatMap((k) =>
          (layers[k].patterns ?? []).map((p) => ({
            group: [p],
            allowTypeImports: true,
            message: `only ${layers[k].files.join(', ')} may import ${p}`,
          })),
        ),
      },
    ];
  };
  return [
    { files: ['src/**/*.ts'], rules: { 'no-restricted-imports': restriction([]) } },
    ...all.map((k) => ({ files: layers[k].files, rules: { 'no-restricted-imports': restriction([k]) } })),
  ];
}

/**
 * Which folder of src/ may import which (README, Layout). A higher layer may call a lower one, never the reverse;
 * telemetry and http are adapters that implement the ports the domains declare and import no domain module (not
 * even types); the client SDK (packages/client) imports nothing of the server, not even types (its event types are
 * generated from the catalogue); service.ts and main.ts are the composition root.
 */
const MODULES = {
  shared: { pattern: ['src/config.ts', 'src/errors.ts', 'src/logger.ts'], may: [] },
  catalogue: { pattern: ['src/catalogue/**'], may: ['shared'] },
  // the KPI and alert policy (thresholds, targets, routing audiences): pure data and renderers
  policy: { pattern: ['src/policy/**'], may: ['shared'] },
  db: { pattern: ['src/db/**'], may: ['shared', 'catalogue'] },
  http: { pattern: ['src/http/**'], may: ['shared', 'catalogue'] },
  telemetry: { pattern: ['src/telemetry/**'], may: ['shared', 'catalogue'] },
  ingest: { pattern: ['src/ingest/**'], may: ['shared', 'catalogue', 'db', 'http'] },
  aggregate: { pattern: ['src/aggregate/**'], may: ['shared', 'catalogue', 'policy', 'db', 'http', 'ingest'] },
  reports: { pattern: ['src/reports/**'], may: ['shared', 'catalogue', 'policy', 'http', 'aggregate'] },
  alerts: {
    pattern: ['src/alerts/**'],
    may: ['shared', 'catalogue', 'policy', 'db', 'http', 'ingest', 'aggregate', 'reports'],
  },
  // event search and export: reads the log; a sibling of ingest that imports no domain module
  events: { pattern: ['src/events/**'], may: ['shared', 'catalogue', 'db', 'http'] },
  // the alert backtest (npm run backtest): reads the log, evaluates the rules; draws its timelines as reports do
  backtest: {
    pattern: ['src/backtest/**'],
    may: ['shared', 'catalogue', 'policy', 'db', 'aggregate', 'reports'],
  },
  client: { pattern: ['packages/client/src/**'], may: [] },
  root: { pattern: ['src/service.ts', 'src/main.ts', 'src/tokens.ts', 'src/openapi.ts'], may: ['*'] },
};

function moduleBoundaries() {
  const all = Object.keys(MODULES);
  const policies = Object.entries(MODULES).flatMap(([name, m]) => {
    const may = m.may.includes('*') ? all : [name, ...m.may];
    const from = { file: { categories: name } };
    const to = (modules) => ({ to: { file: { categories: modules } } });
    const out = [{ from, allow: to(may) }];
    if (m.types) out.push({ from, allow: { ...to(m.types), dependency: { kind: 'type' } } });
    return out;
  });
  return {
    files: ['src/**/*.ts', 'packages/client/src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/files': Object.entries(MODULES).map(([category, m]) => ({ category, pattern: m.pattern })),
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message:
            '{{from.file.categories}} may not import {{to.file.categories}} (README, Layout: which folder may import which)',
          policies,
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'grafana/dashboards/**',
      'coverage/**',
      '.data/**',
      'packages/*/dist/**',
      // a consumer app's files, run and type-checked by test/integration/client-package.test.ts (some must fail)
      'test/integration/client-consumer/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Prettier formats (npm run format); it cannot break long strings, so src/ also has a hard line limit.
  {
    files: ['src/**/*.ts', 'packages/client/src/**/*.ts'],
    rules: { 'max-len': ['error', { code: 120, ignoreUrls: true }] },
  },
  ...layerBlocks(),
  // The client package runs in browsers and edge runtimes and has no runtime dependencies: it imports only its
  // own files (no npm package, no node: module, nothing of the server). Its build is checked for the same.
  {
    files: ['packages/client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./)',
              message:
                'the client package imports only its own files (./x.js): no dependency, no node: module, no server code',
            },
          ],
        },
      ],
    },
  },
  moduleBoundaries(),
);
