// Lint: recommended JS + typescript-eslint rules, plus the layering rules of CONVENTIONS.md:
// only *-routes.ts and src/http import express, only *-store.ts and src/db import pg, only src/telemetry
// imports metrics/tracing libraries, only schedule.ts imports node-cron.
import js from '@eslint/js';
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

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'grafana/dashboards/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Prettier formats (npm run format); it cannot break long strings, so src/ also has a hard line limit.
  { files: ['src/**/*.ts'], rules: { 'max-len': ['error', { code: 120, ignoreUrls: true }] } },
  ...layerBlocks(),
);
