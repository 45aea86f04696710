import type { Component } from '../lib/component.js';
import { literalEnv, secretEnv } from '../lib/backing-service.js';
import { pinned, SERVICE_IMAGES } from '../lib/service-versions.js';
import { storageSettings } from './settings.js';

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
  settings: storageSettings,
  backingServices: (context) =>
    context.storagePostgres
      ? [
          {
            composeService: 'postgres',
            title: 'PostgreSQL',
            runYourOwn: `a PostgreSQL you can create tables${context.cacheAny ? ' and databases' : ''} in`,
            port: 5432,
            egressComment: [
              'PostgreSQL, in or outside the cluster (TLS uses the same port). If DATABASE_URL names another',
              'port, change it here too. Narrow the destination once you know where it runs, e.g.',
              '  to:',
              '    - ipBlock: { cidr: 10.20.0.0/24 }          # the database subnet, or',
              '    - namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: databases } }',
              '      podSelector: { matchLabels: { app.kubernetes.io/name: postgres } }',
            ],
            // Without DATABASE_URL the service runs on the embedded PostgreSQL (ADR 0006): the line says how to use compose's server instead.
            localEnvironment: [
              "# Unset: the embedded PostgreSQL. For compose's server: docker compose up -d postgres, then uncomment:",
              `# DATABASE_URL=postgres://${context.nameSnake}:${context.nameSnake}-local@127.0.0.1:5432/${context.nameSnake}`,
            ],
            neededOnHost: false,
            compose: {
              environment: [
                `DATABASE_URL: "postgres://${context.nameSnake}:${context.nameSnake}-local@postgres:5432/${context.nameSnake}"`,
                '# Turns the admin API (/admin/settings) on locally; in clusters it comes from a Secret.',
                `ADMIN_TOKEN: "local-admin-token-${context.nameSnake}-not-for-production"`,
              ],
              definition: `  postgres:
    image: "${SERVICE_IMAGES.postgres}"
    environment:
      POSTGRES_USER: "${context.nameSnake}"
      POSTGRES_PASSWORD: "${context.nameSnake}-local"
      POSTGRES_DB: "${context.nameSnake}"
    # Published on loopback so \`npm test\` on the host can use it too (see README).
    ports:
      - "127.0.0.1:5432:5432"
    volumes:
      - postgres-data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD", "pg_isready", "--username=${context.nameSnake}", "--dbname=${context.nameSnake}"]
      interval: 5s
      timeout: 3s
      retries: 10
      start_period: 10s`,
              volume: 'postgres-data',
            },
            ci: {
              urlSetting: 'DATABASE_URL',
              url: 'postgres://ci:ci@localhost:5432/ci',
              serviceContainer: `      postgres:
        image: ${SERVICE_IMAGES.postgres}
        env:
          POSTGRES_USER: ci
          POSTGRES_PASSWORD: ci
          POSTGRES_DB: ci
        ports:
          - "5432:5432"
        options: >-
          --health-cmd "pg_isready --username=ci --dbname=ci"
          --health-interval 5s
          --health-timeout 3s
          --health-retries 20`,
              startStep: '',
            },
          },
        ]
      : [],
  deploymentEnv: (context) =>
    context.storagePostgres
      ? [
          secretEnv('DATABASE_URL', 'The Secret is not part of these manifests; see README "Database secret".', { name: `${context.name}-database`, key: 'url' }),
          literalEnv('DATABASE_POOL_MAX', '10'),
          secretEnv('ADMIN_TOKEN', 'Optional: without this Secret the admin API stays off; see README "Admin API".', { name: `${context.name}-admin`, key: 'token', optional: true }),
        ]
      : [],
  addable: {
    choices: ['storage'],
    presentIn: (spec) => spec.storage !== 'none',
    whenAdded: { storage: 'postgres' },
  },
};
