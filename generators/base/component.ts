import type { Component } from '../lib/component.js';
import { pinned } from '../lib/service-versions.js';
import { baseSettings } from './settings.js';

/** The service skeleton: config, lifecycle and probes, HTTP app, metrics, shutdown, tests. */
export const component: Component = {
  id: 'base',
  includedIn: () => true,
  // src/adapters.ts only when there is something to connect to: a stateless service has no adapters.
  templateDirs: (spec) => ['base', ...(spec.storage !== 'none' || spec.messaging !== 'none' ? ['base-adapters'] : [])],
  settings: baseSettings,
  packageJson: (context) => ({
    dependencies: pinned(
      'fastify',
      '@fastify/fast-json-stringify-compiler',
      '@fastify/swagger',
      '@fastify/type-provider-typebox',
      'typebox',
      'ajv',
      'ajv-formats',
      'pino',
      'prom-client',
      'yaml',
      '@opentelemetry/api',
      '@opentelemetry/context-async-hooks',
      '@opentelemetry/core',
      '@opentelemetry/resources',
      '@opentelemetry/sdk-trace',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/exporter-trace-otlp-proto',
    ),
    devDependencies: pinned('typescript', '@types/node', 'esbuild', 'prettier', '@readme/openapi-parser'),
    scripts: {
      // Bundles for production (build.mjs); type checking is `typecheck`, which CI runs first.
      build: 'node build.mjs',
      clean: "node -e \"fs.rmSync('dist', { recursive: true, force: true })\"",
      typecheck: 'tsc -p tsconfig.json',
      // .prettierrc.json and .prettierignore say what and how; CI runs format:check.
      format: 'prettier --write .',
      'format:check': 'prettier --check .',
      start: 'node dist/main.js',
      // src/development-env.ts loads .env.development (the local dependencies' URLs) when it exists.
      dev: 'node --watch src/dev.ts',
      // With PostgreSQL, test/run-tests.ts picks the database (a server, or an embedded one) once
      // for every test file; one file at a time, since they share that database (and truncate tables).
      // With a broker, test/messaging/broker-preflight.ts stops the run at once when it is unreachable.
      test: [
        'node',
        ...(context.messagingAny ? ['--import ./test/messaging/broker-preflight.ts'] : []),
        ...(context.storagePostgres ? ['test/run-tests.ts'] : ['--import ./src/development-env.ts', '--test "test/**/*.test.ts"']),
      ].join(' '),
    },
  }),
};
