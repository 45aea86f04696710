/**
 * The adjust command against PostgreSQL: applied once per command id (the inbox), the event
 * written in the same transaction (the outbox), nothing at all when the transaction rolls back;
 * and the outbox relay, which deletes an event only once the broker has confirmed it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { after, before, describe, it } from 'node:test';
import { runMigrations } from '../../src/db/migrate.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import type { OutboundMessage } from '../../src/messaging/broker.ts';
import { PermanentCommandError, type CommandContext } from '../../src/messaging/consumer.ts';
import { OutboxRelay } from '../../src/messaging/outbox.ts';
import { orderCommandHandlers } from '../../src/orders/commands.ts';
import { OrderAdjustedEvent } from '../../src/orders/events.ts';
import { databaseUrl, silentLogger } from '../helpers.ts';
import { useTestTracing } from '../telemetry/test-tracing.ts';

const tracing = useTestTracing();

describe('order commands', () => {
  let pool: Pool;
  let committed = 0;
  const context = (messageId: string): CommandContext => ({ messageId, deliveryCount: 1, finalAttempt: false, logger: silentLogger, alreadyApplied: () => undefined });

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true }, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
  });

  after(async () => {
    await pool?.end();
  });

  const handlers = () => orderCommandHandlers({ pool, onEventsCommitted: () => (committed += 1) });
  const quantityOf = async (id: string) => (await pool.query<{ quantity: number }>('select quantity from "orders" where id = $1', [id])).rows[0]?.quantity;
  const eventsFor = async (id: string) =>
    (
      await pool.query<{ type: string; data: { delta: number; quantity: number; commandId: string }; trace_context: { traceparent: string } | null }>(
        "select type, data, trace_context from outbox where data->>'orderId' = $1 order by created_at",
        [id],
      )
    ).rows;

  it("adjust creates the order, adds delta once per command id and writes one event per change, in the command's trace", async () => {
    const { adjust } = handlers();
    assert.ok(adjust);
    const id = randomUUID();
    const [first, second] = [randomUUID(), randomUUID()];
    await adjust.handle({ orderId: id, delta: 2 }, context(first));
    await adjust.handle({ orderId: id, delta: 2 }, context(first)); // a redelivery
    const consumerSpan = await tracing.tracer.startActiveSpan('process', async (span) => {
      await adjust.handle({ orderId: id, delta: 3 }, context(second));
      span.end();
      return span.spanContext();
    });
    assert.equal(await quantityOf(id), 5);
    const events = await eventsFor(id);
    // What the SQL writes is what docs/asyncapi.yaml promises (src/orders/events.ts).
    const schema = Compile(OrderAdjustedEvent);
    for (const event of events) assert.ok(schema.Check(event.data), JSON.stringify(event.data));
    assert.deepEqual(
      events.map((event) => [event.type, event.data.delta, event.data.quantity, event.data.commandId, event.trace_context?.traceparent ?? null]),
      [
        ['order.adjusted', 2, 2, first, null],
        ['order.adjusted', 3, 5, second, `00-${consumerSpan.traceId}-${consumerSpan.spanId}-01`],
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
    assert.deepEqual(
      (await eventsFor(id)).map((event) => event.data.delta),
      [4],
    );
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

  it("the outbox relay deletes events only once the broker confirmed them, and publishes them in the writer's trace", async () => {
    const id = randomUUID();
    const { adjust } = handlers();
    const writer = await tracing.tracer.startActiveSpan('process', async (span) => {
      await adjust?.handle({ orderId: id, delta: 1 }, context(randomUUID()));
      span.end();
      return span.spanContext();
    });
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
    // The consumer of the event continues the trace of the transaction that wrote it.
    assert.match(event.traceContext?.traceparent ?? '', new RegExp(`^00-${writer.traceId}-[0-9a-f]{16}-01$`));
  });
});
