import { setting, type ServiceSetting, type SettingsContext } from '../lib/service-settings.js';

/** PostgreSQL's settings: the connection, migrations, the admin API and tombstone retention. */
export function storageSettings(context: SettingsContext): ServiceSetting[] {
  if (!context.storagePostgres) return [];
  return [
    setting({
      name: 'DATABASE_URL',
      schema: { type: 'string', pattern: '^postgres(ql)?://', errorMessage: 'must be a postgres:// or postgresql:// URL' },
      schemaComment: 'Required in production only (REQUIRED_IN_PRODUCTION); unset elsewhere, an embedded PostgreSQL stands in.',
      defaultNote: 'embedded PostgreSQL outside production',
      productionOnly: true,
      secret: true,
      description: '`postgres://` URL; from a Secret, never committed. Unset in development and test: an embedded PostgreSQL (PGlite)',
      testValue: `postgres://app:s3cret@db.internal:5432/${context.nameSnake}`,
    }),
    setting({ name: 'DATABASE_POOL_MAX', schema: { type: 'integer', default: 10, minimum: 1, maximum: 200 }, secret: false, description: 'Most connections one replica opens' }),
    setting({
      name: 'DATABASE_STATEMENT_TIMEOUT_MS',
      schema: { type: 'milliseconds', default: 5000, minimum: 10, maximum: 600_000 },
      secret: false,
      description: 'Longest a single SQL statement may run',
    }),
    setting({
      name: 'DATABASE_CONNECT_TIMEOUT_MS',
      schema: { type: 'milliseconds', default: 5000, minimum: 10, maximum: 120_000 },
      secret: false,
      description: 'Longest a new connection may take',
    }),
    setting({
      name: 'DATABASE_MIGRATE_ON_START',
      schema: { type: 'boolean', default: true },
      schemaComment: `Apply pending migrations at start-up; set false when a Kubernetes Job runs \`${context.manager.run} migrate\`.`,
      secret: false,
      description: `Apply pending migrations at start; set \`false\` when a Job runs \`${context.manager.run} migrate\``,
    }),
    setting({
      name: 'ADMIN_TOKEN',
      schema: { type: 'string', minLength: 32, maxLength: 512, errorMessage: 'must be 32 to 512 characters' },
      schemaComment: 'Bearer token of the admin API (/admin/...); unset, the admin API refuses every request.',
      defaultNote: 'unset: admin API off',
      optional: true,
      secret: true,
      description: 'Bearer token for `/admin/settings` (32 characters or more); from a Secret',
    }),
    setting({
      name: 'DYNAMIC_SETTINGS_REFRESH_MS',
      schema: { type: 'milliseconds', default: 5000, minimum: 50, maximum: 600_000 },
      schemaComment: 'Longest a dynamic setting changed in the database takes to reach this replica.',
      secret: false,
      description: 'How often each replica re-reads the dynamic settings: the longest a change takes to apply everywhere',
    }),
    setting({
      name: 'TOMBSTONE_RETENTION_HOURS',
      schema: { type: 'integer', default: 168, minimum: 0, maximum: 87_600, unit: 'number of hours' },
      schemaComment: `Deleted ${context.resourcePlural} stay as tombstones this long, then are purged for good.`,
      secret: false,
      description: `How long a deleted ${context.resource} is kept as a tombstone before it is purged for good`,
    }),
    setting({
      name: 'TOMBSTONE_PURGE_INTERVAL_MS',
      schema: { type: 'milliseconds', default: 600_000, minimum: 100, maximum: 86_400_000 },
      schemaComment: 'How often each replica looks for tombstones to purge (with jitter).',
      secret: false,
      description: 'How often each replica purges expired tombstones (±20 % jitter)',
    }),
  ];
}
