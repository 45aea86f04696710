/**
 * The outbox relay never holds a transaction (or its row locks) open while it waits for the
 * broker: a frozen broker leaves no session idle in transaction, a session killed meanwhile
 * breaks nothing, and messages the broker refused are released for the next attempt at once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createPool, type Pool } from '../../src/db/pool.ts';
import type { OutboundMessage } from '../../src/messaging/broker.ts';
import { enqueueEvent, OutboxRelay } from '../../src/messaging/outbox.ts';
import { isolatedSchema, type IsolatedSchema } from '../db/isolated-schema.ts';
import { databaseUrl, needsRealPostgres, silentLogger } from '../helpers.ts';

describe('outbox relay under faults', { skip: needsRealPostgres('sessions of their own in pg_stat_activity') }, () => {
  let schema: IsolatedSchema;
  let pool: Pool;
  const applicationName = `outbox-faults-${randomUUID().slice(0, 8)}`;

  before(async () => {
    schema = await isolatedSchema('outbox_faults');
    const url = new URL(databaseUrl());
    url.searchParams.set('options', `-c search_path=${schema.name}`);
    url.searchParams.set('application_name', applicationName);
    pool = createPool({ url: url.toString(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: false }, silentLogger);
  });

  after(async () => {
    await pool?.end();
    await schema?.drop();
  });

  async function enqueue(count: number): Promise<string[]> {
    const client = await schema.pool.connect();
    try {
      const ids: string[] = [];
      for (let index = 0; index < count; index++) {
        ids.push(await enqueueEvent(client, { topic: 't', type: 't', data: { index } }));
      }
      return ids;
    } finally {
      client.release();
    }
  }

  const relayTo = (broker: { publish: (message: OutboundMessage) => Promise<void> }) =>
    new OutboxRelay({ pool, logger: silentLogger, pollMs: 10, batchSize: 10, broker: { ...broker, sendCommand: async () => undefined } });

  const outboxCount = async () => Number((await schema.pool.query<{ n: string }>('select count(*) as n from outbox')).rows[0]?.n);

  it('holds no transaction open while the broker has not confirmed, and survives its sessions being killed', async () => {
    await enqueue(3);
    let confirm!: () => void;
    const confirmed = new Promise<void>((resolve) => (confirm = resolve));
    const published: OutboundMessage[] = [];
    const relay = relayTo({
      publish: async (message) => {
        published.push(message);
        await confirmed;
      },
    });
    const batch = relay.publishBatch();
    while (published.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));

    // The broker is "frozen": nothing of this pool may sit in a transaction meanwhile.
    const sessions = await schema.pool.query<{ pid: number; state: string | null }>('select pid, state from pg_stat_activity where application_name = $1', [
      applicationName,
    ]);
    assert.deepEqual(
      sessions.rows.filter((row) => (row.state ?? '').startsWith('idle in transaction')),
      [],
    );
    // A failover kills every session of the pool: the process lives on.
    for (const { pid } of sessions.rows) await schema.pool.query('select pg_terminate_backend($1)', [pid]);
    await new Promise((resolve) => setTimeout(resolve, 100));

    confirm();
    assert.equal(await batch, 3);
    assert.equal(await outboxCount(), 0);
  });

  it('releases the messages the broker refused, so the next batch publishes them again with the same ids', async () => {
    const ids = await enqueue(4);
    let refuse = true;
    const published: string[] = [];
    const relay = relayTo({
      publish: async (message) => {
        if (refuse && message.id === ids[1]) throw new Error('broker connection lost');
        published.push(message.id);
      },
    });
    await assert.rejects(relay.publishBatch(), /broker connection lost/);
    assert.equal(await outboxCount(), 1);
    refuse = false;
    assert.equal(await relay.publishBatch(), 1);
    assert.deepEqual([...published].sort(), [...ids].sort());
    assert.equal(await outboxCount(), 0);
  });

  it('publishes again what a replica claimed and never deleted, once its claim has expired (at least once)', async () => {
    const [id] = await enqueue(1);
    // A replica claimed the row and died before deleting it.
    await schema.pool.query(`update outbox set claimed_until = now() - interval '1 second' where id = $1`, [id]);
    const published: string[] = [];
    const relay = relayTo({ publish: async (message) => void published.push(message.id) });
    assert.equal(await relay.publishBatch(), 1);
    assert.deepEqual(published, [id]);
  });
});
