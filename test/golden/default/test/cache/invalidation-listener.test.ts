/**
 * One LISTEN connection per service for every cached resource: each cache subscribes its change
 * channel on the service's shared listener, notifications reach the subscriber of their channel,
 * and a channel subscribed after the connection opened is listened to at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createCacheMetrics } from '../../src/cache/cache-metrics.ts';
import { InvalidationListener, sharedInvalidationListener, type ListenerConnection } from '../../src/cache/invalidation-listener.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { databaseUrl, silentLogger, startedLifecycle } from '../helpers.ts';

describe('the cache invalidation listener', () => {
  let pool: Pool;
  const suffix = randomBytes(4).toString('hex');
  const connection = (): ListenerConnection => ({
    connectionString: databaseUrl(),
    connectTimeoutMs: 5_000,
    logger: silentLogger,
    metrics: createCacheMetrics(new Registry()),
  });

  before(() => {
    pool = createPool({ url: databaseUrl(), poolMax: 2, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: false }, silentLogger);
  });

  after(async () => {
    await pool?.end();
  });

  it('is one per service (lifecycle), shared by every cache', () => {
    const lifecycle = startedLifecycle();
    const first = sharedInvalidationListener(lifecycle, connection());
    assert.equal(sharedInvalidationListener(lifecycle, connection()), first);
    assert.notEqual(sharedInvalidationListener(startedLifecycle(), connection()), first);
  });

  it('delivers each channel to its subscriber on one connection, channels subscribed late included', async () => {
    const listener = new InvalidationListener(connection());
    const heard: string[] = [];
    const subscriber = (name: string) => ({ onChange: async (payload: string) => void heard.push(`${name} ${payload}`), onResync: async () => undefined });
    const [a, b, late] = ['a', 'b', 'late'].map((name) => `test_${name}_${suffix}_changes`) as [string, string, string];
    listener.subscribe(a, subscriber('a'));
    listener.subscribe(b, subscriber('b'));
    assert.throws(() => listener.subscribe(a, subscriber('again')), /subscribed twice/);
    try {
      await listener.start();
      assert.ok(listener.connected);
      listener.subscribe(late, subscriber('late'));
      const deadline = Date.now() + 5_000;
      while (!['a 1', 'b 2', 'late 3'].every((entry) => heard.includes(entry)) && Date.now() < deadline) {
        await pool.query('select pg_notify($1, $2), pg_notify($3, $4), pg_notify($5, $6)', [a, '1', b, '2', late, '3']);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual([...new Set(heard)].sort(), ['a 1', 'b 2', 'late 3']);
    } finally {
      await listener.close();
    }
  });
});
