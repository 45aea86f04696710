import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { runMigrations } from '../../src/db/migrate.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { registerOutboxMetrics } from '../../src/messaging/outbox-metrics.ts';
import { databaseUrl, silentLogger } from '../helpers.ts';

const sample = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('outbox metrics', () => {
  let pool: Pool;
  const registry = new Registry();
  const id = randomUUID();

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 2, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true }, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
    registerOutboxMetrics(registry, pool, silentLogger);
  });

  after(async () => {
    await pool?.query('delete from outbox where id = $1', [id]);
    await pool?.end();
  });

  it('reports the unpublished messages and the age of the oldest', async () => {
    const before = await registry.metrics();
    await pool.query(`insert into outbox (id, topic, type, data, created_at) values ($1, 't', 't', '{}', now() - interval '90 seconds')`, [id]);
    const text = await registry.metrics();
    assert.equal(sample(text, 'outbox_messages'), sample(before, 'outbox_messages') + 1);
    assert.ok(sample(text, 'outbox_oldest_message_age_seconds') >= 90, text);
  });
});
