import type { Component } from '../lib/component.js';
import { pinned } from '../lib/service-versions.js';

/** The service skeleton: config, lifecycle and probes, HTTP app, metrics, shutdown, tests. */
export const component: Component = {
  id: 'base',
  includedIn: () => true,
  templateDirs: () => ['base'],
  packageJson: (context) => ({
    dependencies: pinned('fastify', '@fastify/type-provider-typebox', 'typebox', 'pino', 'prom-client', 'yaml'),
    devDependencies: pinned('typescript', '@types/node'),
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      clean: "node -e \"fs.rmSync('dist', { recursive: true, force: true })\"",
      typecheck: 'tsc -p tsconfig.json',
      start: 'node dist/main.js',
      dev: 'node --watch src/dev.ts',
      // With PostgreSQL, test/global-setup.ts picks the database once for every test file.
      test: `node --test${context.storagePostgres ? ' --test-global-setup=test/global-setup.ts' : ''} "test/**/*.test.ts"`,
    },
  }),
};
