/**
 * The NATS JetStream adapter against a real broker (NATS_URL), with names of its own that
 * are removed afterwards: delivery with ids and trace context, publishing with confirms,
 * dead-lettering, retries (at-least-once), readiness and a shutdown that waits for in-flight work.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Broker, Delivery, Outcome } from '../../src/messaging/broker.ts';
import { createBroker, type BrokerSettings } from '../../src/messaging/create-broker.ts';
import { brokerUrl, silentLogger, uniqueMessagingNames } from '../helpers.ts';
import { useTestTracing } from '../telemetry/test-tracing.ts';
import { openBrokerClient, type BrokerClient } from './broker-client.ts';

const MAX_DELIVERIES = 3;
const tracing = useTestTracing();
const traceparentOf = (id: string) => `00-${id.replaceAll('-', '')}-00f067aa0ba902b7-01`;

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('nats broker, at-least-once', () => {
  const names = uniqueMessagingNames('broker');
  const settings = (): BrokerSettings => ({
    url: brokerUrl(),
    ...names,
    semantics: 'at-least-once',
    maxInFlight: 4,
    maxDeliveries: MAX_DELIVERIES,
    logger: silentLogger,
  });
  let broker: Broker;
  let client: BrokerClient;
  const deliveries: Delivery[] = [];
  /** What the handler answers, by command id; ack when absent. */
  const outcomes = new Map<string, (delivery: Delivery) => Promise<Outcome>>();

  const deliveriesOf = (id: string) => deliveries.filter((delivery) => delivery.messageId === id);
  const command = (id: string) => ({ id, body: { id, type: 'adjust', data: {} } });

  before(async () => {
    broker = createBroker(settings());
    await broker.connect();
    client = await openBrokerClient(names);
    await broker.consume(async (delivery) => {
      deliveries.push(delivery);
      const outcome = outcomes.get(delivery.messageId ?? '');
      return outcome ? outcome(delivery) : { kind: 'ack' };
    });
  });

  after(async () => {
    await broker?.stopConsuming();
    await broker?.deleteTopology?.();
    await broker?.close();
    await client?.close();
  });

  it('is not ready before it connects', async () => {
    await assert.rejects(createBroker(settings()).ready(AbortSignal.timeout(1000)));
  });

  it('is ready once connected and consuming', async () => {
    await broker.ready(AbortSignal.timeout(1000));
  });

  it("delivers a command with its id and the sender's trace context", async () => {
    const id = randomUUID();
    await client.send({ ...command(id), traceparent: traceparentOf(id) });
    const [delivery] = await eventually('the delivery', () => (deliveriesOf(id).length > 0 ? deliveriesOf(id) : undefined));
    assert.equal(delivery?.traceContext?.traceparent, traceparentOf(id));
    assert.equal(delivery?.deliveryCount, 1);
    assert.deepEqual(JSON.parse(delivery?.body.toString('utf8') ?? ''), command(id).body);
    await sleep(300);
    assert.equal(deliveriesOf(id).length, 1, 'an acknowledged command is not delivered again');
  });

  it('sends a command to its own queue, confirmed, carrying the active trace to the consumer', async () => {
    const id = randomUUID();
    const sender = await tracing.tracer.startActiveSpan('sender', async (span) => {
      await broker.sendCommand({ id, type: 'adjust', data: { delta: 2 } });
      span.end();
      return span.spanContext();
    });
    const [delivery] = await eventually('the delivery', () => (deliveriesOf(id).length > 0 ? deliveriesOf(id) : undefined));
    assert.equal(delivery?.traceContext?.traceparent, `00-${sender.traceId}-${sender.spanId}-01`);
    assert.deepEqual(JSON.parse(delivery?.body.toString('utf8') ?? ''), { id, type: 'adjust', data: { delta: 2 } });
  });

  it('publishes events and resolves once the broker has confirmed them', async () => {
    const id = randomUUID();
    await broker.publish({ topic: 'order.adjusted', id, type: 'order.adjusted', data: { delta: 1 } });
    const events = await eventually('the event', async () => {
      const received = await client.events();
      return received.length > 0 ? received : undefined;
    });
    const event = events.find((candidate) => candidate.id === id);
    assert.ok(event, `event ${id} among ${JSON.stringify(events)}`);
    assert.deepEqual(JSON.parse(event.body), { id, type: 'order.adjusted', data: { delta: 1 } });
  });

  it('dead-letters a poison command at once', async () => {
    const id = `poison-${randomUUID()}`;
    outcomes.set(id, async () => ({ kind: 'dead-letter', reason: 'poison' }));
    await client.send({ id, body: 'not json {' });
    await eventually('the dead letter', async () => ((await client.deadLetters()).some((message) => message.id === id) ? true : undefined));
    assert.equal(deliveriesOf(id).length, 1);
  });

  it(`retries a failing command with backoff, then dead-letters it after ${MAX_DELIVERIES} deliveries`, async () => {
    const id = `flaky-${randomUUID()}`;
    outcomes.set(id, async () => ({ kind: 'retry', reason: 'database unavailable', delayMs: 50 }));
    await client.send(command(id));
    await eventually('the dead letter', async () => ((await client.deadLetters()).some((message) => message.id === id) ? true : undefined), 20_000);
    assert.deepEqual(
      deliveriesOf(id).map((delivery) => delivery.deliveryCount),
      Array.from({ length: MAX_DELIVERIES }, (_, index) => index + 1),
    );
  });

  it('stops consuming only after in-flight handlers have finished and settled', async () => {
    const id = `slow-${randomUUID()}`;
    let finished = false;
    outcomes.set(id, async () => {
      await sleep(300);
      finished = true;
      return { kind: 'ack' };
    });
    await client.send(command(id));
    await eventually('the slow delivery', () => (deliveriesOf(id).length > 0 ? true : undefined));
    await broker.stopConsuming();
    assert.equal(finished, true);
    assert.equal(broker.progress().inFlight, 0);
    assert.ok(Date.now() - broker.progress().lastSettledAt < 5_000);
  });
});
