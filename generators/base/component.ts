import type { Component } from '../lib/component.js';
import { pinned } from '../lib/service-versions.js';

/** The service skeleton: config, lifecycle and probes, HTTP app, metrics, shutdown, tests. */
export const component: Component = {
  id: 'base',
  includedIn: () => true,
  templateDirs: () => ['base'],
  packageJson: () => ({
    dependencies: pinned('fastify', '@fastify/type-provider-typebox', 'typebox', 'pino', 'prom-client', 'yaml'),
    devDependencies: pinned('typescript', '@types/node', 'esbuild'),
    scripts: {
      // Bundles for production (build.mjs); type checking is `typecheck`, which CI runs first.
      build: 'node build.mjs',
      clean: "node -e \"fs.rmSync('dist', { recursive: true, force: true })\"",
      typecheck: 'tsc -p tsconfig.json',
      start: 'node dist/main.js',
      dev: 'node --watch src/main.ts',
      // One test file at a time: the database tests share one database (and truncate tables).
      test: 'node --test --test-concurrency=1 "test/**/*.test.ts"',
    },
  }),
};
