/** The PostgreSQL connection pool: bounded, with statement and connection timeouts. */
import pg from 'pg';
import { SERVICE_NAME, type Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { rateLimitedLog } from '../rate-limited-log.ts';

export type Pool = pg.Pool;

/** The database settings with the URL resolved (src/db/database.ts picks the server or the embedded one). */
export type PoolSettings = Omit<Config['database'], 'url'> & { url: string };

export function createPool(database: PoolSettings, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: database.url,
    max: database.poolMax,
    // Enforced by the server; query_timeout is the client's own deadline, for a server (or a
    // network path) that stopped answering and so cannot enforce anything.
    statement_timeout: database.statementTimeoutMs,
    query_timeout: database.statementTimeoutMs + 1_000,
    connectionTimeoutMillis: database.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A dead peer is noticed by the kernel within about a minute, not the default two hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: SERVICE_NAME,
  });
  // A connection dies (failover, pg_terminate_backend, idle_in_transaction_session_timeout, a
  // network cut) while its client is idle in the pool or checked out by a request, the relay or a
  // handler. Either way the client emits 'error', which would crash the process unhandled, and
  // pg-pool removes its own idle listener on checkout: so every client gets one of ours for life.
  // The query in progress rejects on its own; the pool discards the client when it is released.
  // One outage makes every client fail at once: the log says so once per interval, with a count.
  const warn = rateLimitedLog(logger, 10_000);
  const onClientError = (error: Error): void => warn(error, 'PostgreSQL connection lost');
  pool.on('connect', (client) => {
    client.on('error', onClientError);
  });
  pool.on('error', onClientError);
  return pool;
}

/** Readiness check: one round trip. */
export async function pingDatabase(pool: pg.Pool): Promise<void> {
  await pool.query('select 1');
}
