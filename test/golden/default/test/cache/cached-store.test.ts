/**
 * The cached order store against the real PostgreSQL and Redis, as two replicas
 * sharing one database: a write through one is seen by the other once the trigger's NOTIFY
 * arrives, including writes that bypass the store; the writer reads its own write at once; the
 * background build fills the cache. Each run uses a database of its own (NOTIFY channels are
 * per database) and its own Redis key prefix, so other tests' writes never reach it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createPool, type Pool, type PoolSettings } from '../../src/db/pool.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createOrderCache, type OrderCache } from '../../src/cache/cache.ts';
import { SERVICE_NAME, type Config } from '../../src/config.ts';
import { createMetrics, type Metrics } from '../../src/http/metrics.ts';
import { Lifecycle } from '../../src/lifecycle.ts';
import { PgOrderStore } from '../../src/orders/store.ts';
import { databaseUrl, needsRealPostgres, silentLogger } from '../helpers.ts';

const database = `cache_test_${randomBytes(4).toString('hex')}`;
const namespace = `test:${database}:`;

/** The Redis these tests use; they fail loudly rather than pass without one. */
function redisUrl(): string {
  const url = process.env['REDIS_URL'];
  if (url === undefined || url === '') {
    throw new Error('REDIS_URL is not set: these tests need a Redis, e.g. REDIS_URL=redis://127.0.0.1:6379 npm test');
  }
  return url;
}

/** DATABASE_URL, pointing at this run's own database. */
function ownDatabaseUrl(): string {
  const url = new URL(databaseUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

function configFor(overrides: Partial<Config['cache']> = {}): Pick<Config, 'cache'> & { database: PoolSettings } {
  return {
    database: { url: ownDatabaseUrl(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true },
    cache: {
      redisUrl: redisUrl(),
      ttlMs: 60_000,
      ttlJitterPercent: 10,
      maxEntries: 1_000,
      warmOnStart: false,
      warmIntervalMs: 600_000,
      ...overrides,
    },
  };
}

interface Replica {
  cache: OrderCache;
  metrics: Metrics;
  lifecycle: Lifecycle;
}

async function counter(replica: Replica, name: string, entry = 'by_id'): Promise<number> {
  const metric = replica.metrics.registry.getSingleMetric(name);
  assert.ok(metric, `metric ${name} is registered`);
  const { values } = await metric.get();
  return values.filter((value) => value.labels['entry'] === undefined || value.labels['entry'] === entry).reduce((sum, value) => sum + value.value, 0);
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 2_000): Promise<{ value: T; elapsedMs: number }> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, elapsedMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One statement on the DATABASE_URL database (creating and dropping this run's own). */
async function admin(sql: string): Promise<void> {
  const pool = createPool({ url: databaseUrl(), poolMax: 1, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, migrateOnStart: false }, silentLogger);
  try {
    await pool.query(sql);
  } finally {
    await pool.end();
  }
}

/** How many background builds have finished. */
async function builds(replica: Replica): Promise<number> {
  const metric = replica.metrics.registry.getSingleMetric('cache_warm_duration_seconds');
  assert.ok(metric);
  return (await metric.get()).values.find((value) => (value as { metricName?: string }).metricName === 'cache_warm_duration_seconds_count')?.value ?? 0;
}

describe('cached order store (redis)', { skip: needsRealPostgres('NOTIFY between connections, or a database of its own') }, () => {
  let pool: Pool;
  const replicas: Replica[] = [];

  /**
   * A replica; those of one test share `group` (their part of a shared cache), so another test's
   * replicas reconnecting and dropping their cache never empty this test's entries.
   */
  async function replica(group: string, overrides: Partial<Config['cache']> = {}): Promise<Replica> {
    const metrics = createMetrics();
    const lifecycle = new Lifecycle({ checkTimeoutMs: 200 });
    const config = configFor(overrides);
    const cache = createOrderCache({
      config,
      database: { url: config.database.url, connectTimeoutMs: config.database.connectTimeoutMs },
      logger: silentLogger,
      lifecycle,
      metrics,
      store: new PgOrderStore(pool),
      namespace: `${namespace}${group}:`,
    });
    await cache.start();
    const started = { cache, metrics, lifecycle };
    replicas.push(started);
    return started;
  }

  before(async () => {
    await admin(`create database ${database}`);
    pool = createPool(configFor().database, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
  });

  after(async () => {
    for (const { lifecycle } of replicas) await lifecycle.closeAll(() => undefined);
    await pool?.end();
    await admin(`drop database if exists ${database} with (force)`);
  });

  it('shows a write through one replica on the other once the notification arrives, and to the writer at once', async () => {
    // Created before the replicas listen, so no late notification of it empties B's cache below.
    const created = await new PgOrderStore(pool).create({ name: 'first', quantity: 1 });
    const [a, b] = [await replica('writes'), await replica('writes')];
    assert.equal((await b.cache.store.get(created.id))?.version, 1);
    assert.equal((await b.cache.store.get(created.id))?.version, 1);
    assert.ok((await counter(b, 'cache_hits_total')) >= 1, 'the second read on B is a hit');

    const result = await a.cache.store.update(created.id, [1], { name: 'second', quantity: 2 });
    assert.equal(result.kind, 'updated');
    assert.equal((await a.cache.store.get(created.id))?.version, 2, 'the writer reads its own write');
    const { elapsedMs } = await eventually('B to see version 2', async () => ((await b.cache.store.get(created.id))?.version === 2 ? true : undefined));
    assert.ok(elapsedMs < 1_000, `B saw the write after ${elapsedMs} ms`);
    for (let read = 0; read < 20; read++) assert.equal((await b.cache.store.get(created.id))?.version, 2, 'never the old version again');
    assert.deepEqual(
      { ...(await b.cache.store.get(created.id)) },
      { ...(await new PgOrderStore(pool).get(created.id)) },
      'a cached order equals the stored one, dates included',
    );

    await a.cache.store.delete(created.id, [2]);
    await eventually('B to see the delete', async () => ((await b.cache.store.get(created.id)) === undefined ? true : undefined));
  });

  it('drops entries changed by writers that bypass the store (raw SQL), on every replica', async () => {
    const [a, b] = [await replica('raw'), await replica('raw')];
    const created = await new PgOrderStore(pool).create({ name: 'raw', quantity: 1 });
    await a.cache.store.get(created.id);
    await b.cache.store.get(created.id);
    await pool.query('update "orders" set quantity = 7, version = version + 1 where id = $1', [created.id]);
    for (const one of [a, b]) {
      await eventually('the raw update', async () => ((await one.cache.store.get(created.id))?.quantity === 7 ? true : undefined));
    }
    assert.ok((await counter(b, 'cache_invalidations_total')) >= 1);
  });

  it('reconnects a lost listener and drops its cache, since notifications may have been missed', async () => {
    const listening = await replica('reconnect');
    const created = await new PgOrderStore(pool).create({ name: 'reconnect', quantity: 1 });
    await listening.cache.store.get(created.id);
    const terminated = await pool.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1', [
      `${SERVICE_NAME} cache invalidation`,
    ]);
    assert.ok((terminated.rowCount ?? 0) >= 1, 'the listeners were found');
    // Likely sent while the listener is away, so its NOTIFY is lost: only the resync can help.
    await pool.query('update "orders" set quantity = 2, version = version + 1 where id = $1', [created.id]);
    await eventually(
      'the resync',
      async () => ((await counter(listening, 'cache_invalidations_total')) >= 1 && (await listening.cache.store.get(created.id))?.quantity === 2 ? true : undefined),
      5_000,
    );
    await eventually('the listener to be back', async () => ((await counter(listening, 'cache_invalidation_listener_connected')) === 1 ? true : undefined), 5_000);
  });

  it('caches small list pages and drops them on any change', async () => {
    const [a, b] = [await replica('lists'), await replica('lists')];
    const page = { limit: 100, offset: 0 };
    const before = await b.cache.store.list(page);
    await b.cache.store.list(page);
    assert.ok((await counter(b, 'cache_hits_total', 'list')) >= 1);
    const created = await a.cache.store.create({ name: 'listed', quantity: 3 });
    assert.ok(
      (await a.cache.store.list(page)).items.some((item) => item.id === created.id),
      'the writer lists its own create',
    );
    await eventually('B to list the new order', async () => ((await b.cache.store.list(page)).items.some((item) => item.id === created.id) ? true : undefined));
    assert.equal((await b.cache.store.list(page)).items.length, Math.min(100, before.items.length + 1));
  });

  it('builds the cache in the background when CACHE_WARM_ON_START is set', async () => {
    await pool.query('truncate table "orders"');
    const store = new PgOrderStore(pool);
    const ids: string[] = [];
    for (let index = 0; index < 30; index++) ids.push((await store.create({ name: `warm-${index}`, quantity: index })).id);
    const warm = await replica('warm', { warmOnStart: true, warmIntervalMs: 600_000 });
    await eventually('the background build', async () => ((await builds(warm)) >= 1 ? true : undefined), 5_000);
    for (const id of ids) assert.ok(await warm.cache.store.get(id));
    assert.equal(await counter(warm, 'cache_misses_total'), 0, 'every read after the build is a hit');
    assert.equal(await counter(warm, 'cache_hits_total'), ids.length);
  });

  it('keeps answering from the database, and counts the bypass, while Redis is unreachable', async () => {
    const down = await replica('down', { redisUrl: 'redis://127.0.0.1:1' });
    const created = await new PgOrderStore(pool).create({ name: 'no redis', quantity: 5 });
    for (let read = 0; read < 3; read++) assert.equal((await down.cache.store.get(created.id))?.quantity, 5);
    await down.cache.store.update(created.id, [1], { name: 'no redis', quantity: 6 });
    assert.equal((await down.cache.store.get(created.id))?.quantity, 6);
    assert.ok((await counter(down, 'cache_bypassed_total')) >= 4);
    assert.equal(await counter(down, 'cache_hits_total'), 0);
  });
});
