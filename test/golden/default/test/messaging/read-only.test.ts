/**
 * The read-only switch pauses the command consumer too, on the real broker and database:
 * while writesEnabled is false, commands delivered by the broker are held, not applied, not
 * dead-lettered and not retried (no delivery spent); they apply once writes resume. Stopping
 * while they are held hands them back (at-least-once: see docs/operations/faults.md).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../src/config.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import type { Lifecycle } from '../../src/lifecycle.ts';
import { createMessaging, type Messaging } from '../../src/messaging/messaging.ts';
import { OutboxSignal } from '../../src/resources/resource-module.ts';
import { DEFAULT_SETTINGS, type DynamicSettings } from '../../src/settings/dynamic-settings.ts';
import { brokerUrl, databaseUrl, silentLogger, startedLifecycle, uniqueMessagingNames } from '../helpers.ts';
import { openBrokerClient, type BrokerClient } from './broker-client.ts';

const MAX_IN_FLIGHT = 4;
// Widened to string: a comparison of two different literals would not typecheck in the at-most-once repo.
const semantics: string = 'at-least-once';
const atLeastOnce = semantics === 'at-least-once';

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('writesEnabled=false pauses the command consumer (rabbitmq, at-least-once)', () => {
  const names = uniqueMessagingNames('read-only');
  let pool: Pool;
  let client: BrokerClient | undefined;
  /** Each consumer with the lifecycle whose closers stop it and close its connection. */
  const started: Array<{ messaging: Messaging; lifecycle: Lifecycle }> = [];
  let settings: DynamicSettings = { ...DEFAULT_SETTINGS, writesEnabled: false };
  const view = { current: () => settings };
  /** The metrics of the consumer started last. */
  let metrics = createMetrics();

  const config = {
    messaging: {
      url: brokerUrl(),
      commands: names.commands,
      events: names.events,
      deadLetter: names.deadLetter,
      maxInFlight: MAX_IN_FLIGHT,
      maxDeliveries: 5,
      retryBaseMs: 50,
      retryMaxMs: 200,
      stallMs: 60_000,
      outboxPollMs: 50,
      outboxBatchSize: 100,
    },
  } as Config;

  /** The service's own wiring (src/messaging/messaging.ts), consuming from names of its own. */
  async function startMessaging(): Promise<{ messaging: Messaging; lifecycle: Lifecycle }> {
    const lifecycle = startedLifecycle();
    metrics = createMetrics();
    const messaging = createMessaging(config, silentLogger, lifecycle, metrics, pool, view, new OutboxSignal());
    started.push({ messaging, lifecycle });
    await messaging.start();
    client ??= await openBrokerClient(names);
    return { messaging, lifecycle };
  }

  const quantityOf = async (id: string) => Number((await pool.query<{ quantity: number }>('select quantity from "orders" where id = $1', [id])).rows[0]?.quantity ?? 0);
  const processed = async (outcome: string) =>
    ((await metrics.registry.getSingleMetric('messaging_messages_processed_total')?.get())?.values ?? [])
      .filter((value) => value.labels['outcome'] === outcome)
      .reduce((sum, value) => sum + value.value, 0);
  const send = (resourceId: string, count: number) =>
    Promise.all(
      Array.from({ length: count }, () => {
        const id = randomUUID();
        return client!.send({ id, body: { id, type: 'adjust', data: { orderId: resourceId, delta: 1 } } });
      }),
    );

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: true }, silentLogger);
    await runMigrations({ pool, logger: silentLogger });
  });

  /** Stops consuming (commands held are handed back) and closes the connection, as shutdown does. */
  const stop = (lifecycle: Lifecycle) => lifecycle.closeAll((name, error) => assert.fail(`closing ${name}: ${String(error)}`));
  const stopAll = async () => {
    for (const { lifecycle } of started.splice(0)) await stop(lifecycle);
  };

  after(async () => {
    await stopAll();
    await client?.close();
    await pool?.end();
  });

  it('holds every delivered command while writes are paused (none applied, retried or dead-lettered), and applies them all once writes resume', async (t) => {
    await startMessaging();
    const resourceId = randomUUID();
    await send(resourceId, 20);
    // Longer than a handling round trip many times over: a consumer that ignores the switch has applied them by now.
    await sleep(2_000);
    assert.equal(await quantityOf(resourceId), 0, 'nothing is applied while writes are paused');
    assert.deepEqual(await client!.deadLetters(), [], 'nothing is dead-lettered while writes are paused');
    assert.equal(await processed('retried'), 0, 'no delivery is spent while writes are paused');

    settings = { ...settings, writesEnabled: true };
    const resumedAt = Date.now();
    await eventually('every command to apply', async () => ((await quantityOf(resourceId)) === 20 ? true : undefined));
    const appliedInMs = Date.now() - resumedAt;
    t.diagnostic(`20 held commands applied ${appliedInMs} ms after writes resumed`);
    assert.ok(appliedInMs < 5_000, `applied ${appliedInMs} ms after writes resumed`);
    assert.deepEqual(await client!.deadLetters(), []);
    assert.equal(await processed('retried'), 0);
    await stopAll();
  });

  it(
    atLeastOnce
      ? 'stopping while commands are held hands them back unapplied; the next consumer applies them'
      : 'stopping while commands are held loses them (at-most-once acknowledged them on receipt): each is copied to the dead-letter queue, none applied',
    async () => {
      settings = { ...settings, writesEnabled: false };
      const first = await startMessaging();
      const resourceId = randomUUID();
      await send(resourceId, MAX_IN_FLIGHT);
      await sleep(1_000);
      const stoppedAt = Date.now();
      started.splice(started.indexOf(first), 1);
      await stop(first.lifecycle);
      assert.ok(Date.now() - stoppedAt < 5_000, 'stopping does not wait for writes to resume');
      assert.equal(await quantityOf(resourceId), 0);

      settings = { ...settings, writesEnabled: true };
      await startMessaging();
      if (atLeastOnce) {
        await eventually('the handed-back commands to apply', async () => ((await quantityOf(resourceId)) === MAX_IN_FLIGHT ? true : undefined));
        assert.deepEqual(await client!.deadLetters(), []);
      } else {
        const lost = await eventually('the held commands in the dead-letter queue', async () => {
          const copies = await client!.deadLetters();
          return copies.length === MAX_IN_FLIGHT ? copies : undefined;
        });
        assert.equal(lost.length, MAX_IN_FLIGHT);
        await sleep(500);
        assert.equal(await quantityOf(resourceId), 0);
      }
    },
  );
});
