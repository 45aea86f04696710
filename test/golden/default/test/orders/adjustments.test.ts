/**
 * Queued adjustments, from the HTTP request to the consumer: 202 with a status URL, the command
 * sent through the outbox, and versions (not arrival order) deciding between commands on the same
 * order. The broker is replaced by the relay's capture; the database is real.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { runMigrations } from '../../src/db/migrate.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import type { App } from '../../src/http/app.ts';
import type { OutboundCommand } from '../../src/messaging/broker.ts';
import type { CommandContext } from '../../src/messaging/consumer.ts';
import { expirePendingCommands, OutboxRelay } from '../../src/messaging/outbox.ts';
import { PgAdjustmentQueue } from '../../src/orders/adjustments.ts';
import { orderCommandHandlers } from '../../src/orders/commands.ts';
import { PgOrderStore } from '../../src/orders/store.ts';
import { databaseUrl, fixedSettings, silentLogger, testApp } from '../helpers.ts';

const json = { 'content-type': 'application/json' };

describe('/orders/:id/adjustments', () => {
  let pool: Pool;
  let app: App;
  let relay: OutboxRelay;
  const sent: OutboundCommand[] = [];

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true }, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
    app = await testApp({
      orders: new PgOrderStore(pool),
      orderAdjustments: new PgAdjustmentQueue(pool, () => undefined),
    });
    relay = new OutboxRelay({
      pool,
      logger: silentLogger,
      pollMs: 10,
      batchSize: 1000,
      broker: {
        publish: async () => undefined,
        sendCommand: async (command) => void sent.push(command),
      },
    });
  });

  after(async () => {
    await app?.close();
    await pool?.end();
  });

  const context = (messageId: string, finalAttempt = false): CommandContext => ({
    messageId,
    deliveryCount: 1,
    finalAttempt,
    logger: silentLogger,
    alreadyApplied: () => undefined,
  });

  async function create(quantity: number): Promise<{ id: string; etag: string }> {
    const response = await app.inject({ method: 'POST', url: '/orders', headers: json, payload: { name: 'n', quantity } });
    assert.equal(response.statusCode, 201);
    return { id: response.json().id, etag: String(response.headers.etag) };
  }

  const submit = (id: string, delta: number, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/orders/${id}/adjustments`, headers: { ...json, ...headers }, payload: { delta } });

  const statusOf = async (url: string) => {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200);
    return response.json() as { status: string; resultVersion: number | null; error: string | null };
  };

  /** Publishes what the outbox holds; returns the commands sent for `id`, oldest first. */
  async function relayCommandsFor(id: string): Promise<OutboundCommand[]> {
    sent.length = 0;
    while ((await relay.publishBatch()) > 0);
    return sent.filter((command) => (command.data as { orderId: string }).orderId === id);
  }

  const handle = (command: OutboundCommand, finalAttempt = false) =>
    orderCommandHandlers({ pool })['adjust']!.handle(command.data as never, context(command.id, finalAttempt));

  it('answers 202 with a status URL that reports pending, then done once the consumer applied it', async () => {
    const { id, etag } = await create(5);
    const accepted = await submit(id, 3, { 'if-match': etag });
    assert.equal(accepted.statusCode, 202);
    const body = accepted.json();
    assert.equal(accepted.headers.location, body.statusUrl);
    assert.equal(accepted.headers['retry-after'], '1');
    assert.equal(body.status, 'pending');
    assert.equal((await statusOf(body.statusUrl)).status, 'pending');

    const [command] = await relayCommandsFor(id);
    assert.ok(command, 'the relay sent the command to the command queue');
    assert.equal(command.id, body.id);
    assert.deepEqual(command.data, { orderId: id, delta: 3, expectedVersion: 1 });
    await handle(command);
    const done = await statusOf(body.statusUrl);
    assert.deepEqual([done.status, done.resultVersion, done.error], ['done', 2, null]);
    const current = await app.inject({ method: 'GET', url: `/orders/${id}` });
    assert.equal(current.json().quantity, 8);
    assert.equal(current.headers.etag, '"2"');
  });

  it('queues nothing while writesEnabled is false: 503 with Retry-After, the order unchanged', async () => {
    const { id, etag } = await create(5);
    const readOnly = await testApp({
      orders: new PgOrderStore(pool),
      orderAdjustments: new PgAdjustmentQueue(pool, () => undefined),
      settings: fixedSettings({ writesEnabled: false }),
    });
    try {
      const refused = await readOnly.inject({ method: 'POST', url: `/orders/${id}/adjustments`, headers: { ...json, 'if-match': etag }, payload: { delta: 3 } });
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.json().error.code, 'writes_disabled');
      assert.equal(refused.headers['retry-after'], '5');
    } finally {
      await readOnly.close();
    }
    assert.deepEqual(await relayCommandsFor(id), []);
    const current = await app.inject({ method: 'GET', url: `/orders/${id}` });
    assert.equal(current.json().quantity, 5);
  });

  it('fails an adjustment whose command never arrived (dead-lettered) once it expires, with the reason, and never applies it late', async () => {
    const { id, etag } = await create(5);
    const accepted = await submit(id, 3, { 'if-match': etag });
    assert.equal(accepted.statusCode, 202);
    const [command] = await relayCommandsFor(id);
    // The command was dead-lettered: nothing settles it. Make it older than the expiry.
    await pool.query(`update command_status set created_at = now() - interval '2 hours' where id = $1`, [accepted.json().id]);
    assert.ok((await expirePendingCommands(pool, 30)) >= 1);
    const status = await statusOf(accepted.headers.location as string);
    assert.equal(status.status, 'failed');
    assert.match(status.error ?? '', /not completed within 30 minutes/);
    // A late redelivery changes nothing.
    await handle(command!);
    const current = await app.inject({ method: 'GET', url: `/orders/${id}` });
    assert.equal(current.json().quantity, 5);
  });

  it('refuses what it cannot queue: no If-Match, a stale one, an unknown order', async () => {
    const { id } = await create(1);
    assert.equal((await submit(id, 1)).statusCode, 428);
    assert.equal((await submit(id, 1, { 'if-match': '"7"' })).statusCode, 412);
    assert.equal((await submit(randomUUID(), 1, { 'if-match': '"1"' })).statusCode, 404);
    assert.equal((await submit(id, 1.5, { 'if-match': '"1"' })).statusCode, 400);
    assert.deepEqual(await relayCommandsFor(id), [], 'nothing was queued');
  });

  it('of two adjustments based on the same version, exactly one applies, whichever is handled first', async () => {
    const { id, etag } = await create(10);
    const [first, second] = await Promise.all([submit(id, 1, { 'if-match': etag }), submit(id, 100, { 'if-match': etag })]);
    assert.deepEqual([first.statusCode, second.statusCode], [202, 202]);
    const commands = await relayCommandsFor(id);
    assert.equal(commands.length, 2);
    // The later submission overtakes the earlier one in the queue.
    for (const command of commands.reverse()) await handle(command);
    const statuses = [await statusOf(first.json().statusUrl), await statusOf(second.json().statusUrl)];
    assert.deepEqual(statuses.map((status) => status.status).sort(), ['done', 'failed']);
    assert.match(statuses.find((status) => status.status === 'failed')?.error ?? '', /conflict: .* changed to version 2 after version 1/);
    const current = (await app.inject({ method: 'GET', url: `/orders/${id}` })).json();
    assert.equal(current.version, 2);
    assert.ok(current.quantity === 11 || current.quantity === 110, `one delta applied: ${current.quantity}`);
  });

  it('a command that overtakes its predecessor waits (is retried) until that one applied', async () => {
    const { id } = await create(0);
    const predecessor = { id: randomUUID(), type: 'adjust', data: { orderId: id, delta: 1, expectedVersion: 1 } };
    const successor = { id: randomUUID(), type: 'adjust', data: { orderId: id, delta: 2, expectedVersion: 2 } };
    await assert.rejects(handle(successor), /is at version 1, not yet 2/, 'arrived first: retried later');
    await handle(predecessor);
    await handle(successor); // the redelivery
    const current = (await app.inject({ method: 'GET', url: `/orders/${id}` })).json();
    assert.deepEqual([current.quantity, current.version], [3, 3]);
  });

  it('records the failure when the last delivery still finds the order too old', async () => {
    const { id } = await create(0);
    const accepted = await submit(id, 1, { 'if-match': '"1"' });
    const [command] = await relayCommandsFor(id);
    assert.ok(command);
    // As if it were based on a version whose predecessor never arrives.
    await handle({ ...command, data: { ...(command.data as object), expectedVersion: 5 } }, true);
    const status = await statusOf(accepted.json().statusUrl);
    assert.equal(status.status, 'failed');
    assert.match(status.error ?? '', /gave up waiting/);
  });

  it('an Idempotency-Key makes a retried POST return the same adjustment instead of queueing another', async () => {
    const { id, etag } = await create(0);
    const key = randomUUID();
    const first = await submit(id, 4, { 'if-match': etag, 'idempotency-key': key });
    const retried = await submit(id, 4, { 'if-match': etag, 'idempotency-key': key });
    assert.deepEqual([first.statusCode, retried.statusCode], [202, 202]);
    assert.equal(retried.json().id, key);
    assert.equal((await relayCommandsFor(id)).length, 1);
    assert.equal((await submit(id, 5, { 'if-match': etag, 'idempotency-key': key })).statusCode, 422);
  });
});
