/**
 * Applies pending migrations and exits: `npm run migrate` (e.g. as a Kubernetes Job, with
 * DATABASE_MIGRATE_ON_START=false on the service).
 */
import { ConfigError, loadConfig, SERVICE_NAME } from './config.ts';
import { runMigrations } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
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
const pool = createPool(config.database, logger);
try {
  const applied = await runMigrations({ pool, logger });
  logger.info({ applied: applied.length }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}
