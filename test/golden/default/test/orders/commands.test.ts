/**
 * The adjust command against PostgreSQL: applied once per command id (the inbox), the event
 * written in the same transaction (the outbox), nothing at all when the transaction rolls back;
 * and the outbox relay, which deletes an event only once the broker has confirmed it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runMigrations } from '../../src/db/migrate.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import type { OutboundMessage } from '../../src/messaging/broker.ts';
import { PermanentCommandError, type CommandContext } from '../../src/messaging/consumer.ts';
import { OutboxRelay } from '../../src/messaging/outbox.ts';
import { orderCommandHandlers } from '../../src/orders/commands.ts';
import { databaseUrl, silentLogger } from '../helpers.ts';

describe('order commands', () => {
  let pool: Pool;
  let committed = 0;
  const context = (messageId: string): CommandContext => ({ messageId, correlationId: `corr-${messageId}`, deliveryCount: 1, finalAttempt: false, logger: silentLogger });

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true }, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
  });

  after(async () => {
    await pool?.end();
  });

  const handlers = () => orderCommandHandlers({ pool, onEventsCommitted: () => (committed += 1) });
  const quantityOf = async (id: string) =>
    (await pool.query<{ quantity: number }>('select quantity from "orders" where id = $1', [id])).rows[0]?.quantity;
  const eventsFor = async (id: string) =>
    (await pool.query<{ type: string; data: { delta: number; quantity: number; commandId: string }; correlation_id: string }>(
      "select type, data, correlation_id from outbox where data->>'orderId' = $1 order by created_at",
      [id],
    )).rows;

  it('adjust creates the order, adds delta once per command id and writes one event per change', async () => {
    const { adjust } = handlers();
    assert.ok(adjust);
    const id = randomUUID();
    const [first, second] = [randomUUID(), randomUUID()];
    await adjust.handle({ orderId: id, delta: 2 }, context(first));
    await adjust.handle({ orderId: id, delta: 2 }, context(first)); // a redelivery
    await adjust.handle({ orderId: id, delta: 3 }, context(second));
    assert.equal(await quantityOf(id), 5);
    const events = await eventsFor(id);
    assert.deepEqual(
      events.map((event) => [event.type, event.data.delta, event.data.quantity, event.data.commandId, event.correlation_id]),
      [
        ['order.adjusted', 2, 2, first, `corr-${first}`],
        ['order.adjusted', 3, 5, second, `corr-${second}`],
      ],
    );
    assert.equal(committed, 2);
  });

  it('adjust leaves a deleted order deleted, and publishes nothing for it', async () => {
    const { adjust } = handlers();
    assert.ok(adjust);
    const id = randomUUID();
    await adjust.handle({ orderId: id, delta: 4 }, context(randomUUID()));
    await pool.query('update "orders" set deleted_at = now(), version = version + 1 where id = $1', [id]);
    await adjust.handle({ orderId: id, delta: 3 }, context(randomUUID()));
    const row = await pool.query('select quantity, version, deleted_at is not null as deleted from "orders" where id = $1', [id]);
    assert.deepEqual(row.rows, [{ quantity: 4, version: 2, deleted: true }]);
    assert.deepEqual((await eventsFor(id)).map((event) => event.data.delta), [4]);
  });

  it('rolls everything back, inbox and event included, when the change is refused', async () => {
    const { adjust } = handlers();
    assert.ok(adjust);
    const id = randomUUID();
    const messageId = randomUUID();
    await assert.rejects(adjust.handle({ orderId: id, delta: -1 }, context(messageId)), PermanentCommandError);
    assert.equal(await quantityOf(id), undefined);
    assert.deepEqual(await eventsFor(id), []);
    assert.equal((await pool.query('select 1 from inbox where message_id = $1', [messageId])).rowCount, 0);
  });

  it('the outbox relay deletes events only once the broker confirmed them', async () => {
    const id = randomUUID();
    const { adjust } = handlers();
    await adjust?.handle({ orderId: id, delta: 1 }, context(randomUUID()));
    const published: OutboundMessage[] = [];
    let failing = true;
    const relay = new OutboxRelay({
      pool,
      logger: silentLogger,
      pollMs: 10,
      batchSize: 1000,
      broker: {
        async publish(message) {
          if (failing) throw new Error('broker unavailable');
          published.push(message);
        },
        sendCommand: async () => assert.fail('no commands are queued here'),
      },
    });
    await assert.rejects(relay.publishBatch(), /broker unavailable/);
    assert.equal((await eventsFor(id)).length, 1, 'an unconfirmed event stays in the outbox');
    failing = false;
    assert.ok((await relay.publishBatch()) >= 1);
    assert.deepEqual(await eventsFor(id), []);
    const event = published.find((message) => (message.data as { orderId: string }).orderId === id);
    assert.ok(event);
    assert.equal(event.topic, 'order.adjusted');
  });
});
