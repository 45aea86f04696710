import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { registerPoolMetrics } from '../../src/db/pool-metrics.ts';
import { databaseUrl, silentLogger } from '../helpers.ts';

describe('pool metrics', () => {
  let pool: Pool;
  const registry = new Registry();

  before(() => {
    pool = createPool({ url: databaseUrl(), poolMax: 2, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: false }, silentLogger);
    registerPoolMetrics(registry, pool);
  });

  after(async () => {
    await pool?.end();
  });

  it('shows connections in use and clients waiting while the pool is exhausted', async () => {
    const held = [await pool.connect(), await pool.connect()];
    const waiting = pool.query('select 1');
    const text = await registry.metrics();
    assert.match(text, /^db_pool_connections\{state="in_use"\} 2$/m);
    assert.match(text, /^db_pool_connections\{state="idle"\} 0$/m);
    assert.match(text, /^db_pool_waiting_clients 1$/m);
    assert.match(text, /^db_pool_max_connections 2$/m);
    for (const client of held) client.release();
    await waiting;
    assert.match(await registry.metrics(), /^db_pool_waiting_clients 0$/m);
  });
});
