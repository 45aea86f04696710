/** The PostgreSQL connection pool: bounded, with statement and connection timeouts. */
import pg from 'pg';
import { SERVICE_NAME, type Config } from '../config.ts';
import type { Logger } from '../logger.ts';

export type Pool = pg.Pool;

/** The database settings with the URL resolved (src/db/database.ts picks the server or the embedded one). */
export type PoolSettings = Omit<Config['database'], 'url'> & { url: string };

export function createPool(database: PoolSettings, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: database.url,
    max: database.poolMax,
    statement_timeout: database.statementTimeoutMs,
    connectionTimeoutMillis: database.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: SERVICE_NAME,
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash
  // the process. The pool discards that client; readiness reports the outage if it persists.
  pool.on('error', (error) => {
    logger.warn({ err: error }, 'idle PostgreSQL client failed');
  });
  return pool;
}

/** Readiness check: one round trip. */
export async function pingDatabase(pool: pg.Pool): Promise<void> {
  await pool.query('select 1');
}
