import type { Component } from '../lib/component.js';
import { pinned } from '../lib/service-versions.js';

/** Storage owned by the service: `none` (stateless example) or `postgres` (pool, migrations, CRUD store). */
export const component: Component = {
  id: 'storage',
  includedIn: () => true,
  templateDirs: (spec) => [`storage/${spec.storage}`],
  packageJson: (context) =>
    context.storagePostgres
      ? {
          dependencies: pinned('pg', '@opentelemetry/instrumentation-pg'),
          // Development and tests only (src/db/embedded.ts); the image installs production dependencies alone.
          devDependencies: pinned('@types/pg', '@electric-sql/pglite'),
          scripts: { migrate: 'node dist/migrate.js' },
        }
      : {},
  userOwnedPaths: (context) => [`src/${context.resourcePlural}/`, `test/${context.resourcePlural}/`, ...(context.storagePostgres ? ['migrations/'] : [])],
  addable: {
    choices: ['storage'],
    presentIn: (spec) => spec.storage !== 'none',
    whenAdded: { storage: 'postgres' },
  },
};
