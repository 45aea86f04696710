/**
 * The connection pool, read at scrape time: a pool running out shows as clients waiting for a
 * connection well before queries start to time out.
 */
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

export function registerPoolMetrics(registry: Registry, pool: pg.Pool): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state: in_use (checked out) or idle',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  new Gauge({
    name: 'db_pool_max_connections',
    help: 'Most connections the pool opens (DATABASE_POOL_MAX)',
    registers: [registry],
    collect() {
      this.set(pool.options.max ?? 10);
    },
  });
  new Gauge({
    name: 'db_pool_waiting_clients',
    help: 'Queries and transactions waiting for a free pool connection',
    registers: [registry],
    collect() {
      this.set(pool.waitingCount);
    },
  });
}
