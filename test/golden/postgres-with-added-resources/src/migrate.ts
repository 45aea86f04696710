/**
 * Applies pending migrations and exits: `npm run migrate` (e.g. as a Kubernetes Job, with
 * DATABASE_MIGRATE_ON_START=false on the service). Without DATABASE_URL outside production it
 * migrates the embedded development database, like the service would at start.
 */
import { ConfigError, loadConfig, SERVICE_NAME } from './config.ts';
import { selectDatabase } from './db/database.ts';
import { runMigrations } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { Lifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${SERVICE_NAME}: invalid configuration: ${error.message}\n`);
  process.exit(1);
}
const logger = createLogger(config);
// Only its closers are used: they stop the pool, then the embedded database if there is one.
const lifecycle = new Lifecycle({ checkTimeoutMs: config.readinessCheckTimeoutMs });
const database = selectDatabase(config, logger, lifecycle);
const pool = createPool(database.settings, logger);
lifecycle.registerCloser({ name: 'postgres', close: () => pool.end() });
try {
  await database.start();
  const applied = await runMigrations({ pool, logger });
  logger.info({ applied: applied.length }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await lifecycle.closeAll((name, error) => logger.error({ err: error, closer: name }, 'closing failed'));
}
