/**
 * The NATS JetStream adapter against a real server (NATS_URL). Every test uses its own service
 * name, so its own streams and subjects, and deletes them afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { pino } from 'pino';
import type { Delivery, DeliveryHandler, DeliverySemantics, Outcome } from '../../src/messaging/broker.ts';
import { DEAD_LETTER_HEADERS, NatsBroker, natsNamesFor, serversAndCredentials } from '../../src/messaging/nats-broker.ts';
import { useTestTracing } from '../telemetry/test-tracing.ts';

const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const RUN = `${process.pid}-${randomUUID().slice(0, 8)}`;

function natsUrl(): string {
  const url = process.env['NATS_URL'];
  if (url === undefined || url === '') {
    throw new Error('NATS_URL is not set: these tests need a NATS server with JetStream, e.g. NATS_URL=nats://127.0.0.1:4222 npm test');
  }
  return url;
}

let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const services: string[] = [];
const brokers: NatsBroker[] = [];
let counter = 0;

interface Fixture {
  broker: NatsBroker;
  names: ReturnType<typeof natsNamesFor>;
  commandsSubject: string;
  deadLetterSubject: string;
  eventsSubject: string;
}

/** ackWaitMs: short only where a test waits for an unacknowledged delivery to come back. */
function fixture(options: { semantics?: DeliverySemantics; maxInFlight?: number; maxDeliveries?: number; url?: string; ackWaitMs?: number } = {}): Fixture {
  const service = `nats-test-${RUN}-${++counter}`;
  services.push(service);
  const subjects = {
    commandsSubject: `${service}.item.commands`,
    eventsSubject: `${service}.events`,
    deadLetterSubject: `${service}.dead-letter`,
  };
  const broker = new NatsBroker({
    url: options.url ?? natsUrl(),
    service,
    ...subjects,
    semantics: options.semantics ?? 'at-least-once',
    maxInFlight: options.maxInFlight ?? 4,
    maxDeliveries: options.maxDeliveries ?? 3,
    logger,
    ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
  });
  brokers.push(broker);
  return { broker, names: natsNamesFor(service), ...subjects };
}

// Registers W3C propagation, as the service does when tracing is on.
useTestTracing();

/** A W3C traceparent whose trace id is the command id without dashes. */
const traceparentOf = (id: string) => `00-${id.replaceAll('-', '')}-00f067aa0ba902b7-01`;

async function sendCommand(subject: string, id: string, type = 'adjust', data: unknown = { delta: 1 }) {
  const headers = natsHeaders();
  headers.set('traceparent', traceparentOf(id));
  return js.publish(subject, JSON.stringify({ id, type, data }), { msgID: id, headers });
}

async function streamMessages(stream: string): Promise<StoredMsg[]> {
  const info = await jsm.streams.info(stream);
  const found: StoredMsg[] = [];
  for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
    try {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (message !== null) found.push(message);
    } catch {
      // deleted (acknowledged in a work queue)
    }
  }
  return found;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * The server applies acks and naks on its own schedule: stopConsuming()'s flush proves they
 * arrived, not that the consumer has counted them (CI once read one ack still pending). Waits a
 * little, well within ack_wait, so a delivery that was never settled still fails the test.
 */
async function settledWithinMoments(fx: Fixture): Promise<void> {
  await waitFor('every delivery settled', async () => (await jsm.consumers.info(fx.names.commandsStream, fx.names.consumer)).num_ack_pending === 0, 1_500);
}

/** Acknowledged everything: nothing pending, nothing awaiting an ack, the work queue empty. */
async function drained(fx: Fixture): Promise<boolean> {
  const consumer = await jsm.consumers.info(fx.names.commandsStream, fx.names.consumer);
  const stream = await jsm.streams.info(fx.names.commandsStream);
  return consumer.num_pending === 0 && consumer.num_ack_pending === 0 && stream.state.messages === 0;
}

function recording(decide: (delivery: Delivery, body: { id: string; type: string }) => Outcome | Promise<Outcome>) {
  const deliveries: Array<Delivery & { at: number }> = [];
  const handler: DeliveryHandler = async (delivery) => {
    deliveries.push({ ...delivery, at: Date.now() });
    return decide(delivery, JSON.parse(delivery.body.toString('utf8')) as { id: string; type: string });
  };
  return { deliveries, handler };
}

describe('NATS names and URLs', () => {
  it('derives valid stream and consumer names from the service name', () => {
    assert.deepEqual(natsNamesFor('stock-service'), {
      commandsStream: 'STOCK_SERVICE_COMMANDS',
      eventsStream: 'STOCK_SERVICE_EVENTS',
      deadLetterStream: 'STOCK_SERVICE_DEAD_LETTER',
      consumer: 'STOCK_SERVICE_COMMAND_HANDLER',
    });
  });

  it('takes several servers and the credentials out of the URL', () => {
    assert.deepEqual(serversAndCredentials('nats://127.0.0.1:4222'), { servers: ['nats://127.0.0.1:4222'] });
    assert.deepEqual(serversAndCredentials('nats://app:s%40cret@a:4222, tls://b:4223'), {
      servers: ['nats://a:4222', 'tls://b:4223'],
      user: 'app',
      pass: 's@cret',
    });
    assert.deepEqual(serversAndCredentials('nats://t0ken@a:4222'), { servers: ['nats://a:4222'], token: 't0ken' });
  });
});

describe('NatsBroker (JetStream)', () => {
  before(async () => {
    nc = await connect({ servers: natsUrl() });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  afterEach(async () => {
    await Promise.allSettled(brokers.splice(0).map((broker) => broker.close()));
    for (const service of services.splice(0)) {
      const names = natsNamesFor(service);
      for (const stream of [names.commandsStream, names.eventsStream, names.deadLetterStream]) {
        await jsm.streams.delete(stream).catch(() => false);
      }
    }
  });

  after(async () => {
    await nc?.drain();
  });

  it('publishes events with the id as Nats-Msg-Id, so a repeated publish is stored once', async () => {
    const fx = fixture();
    await fx.broker.connect();
    const traceparent = traceparentOf(randomUUID());
    const event = { topic: 'item.adjusted', id: randomUUID(), type: 'item.adjusted', data: { quantity: 3 }, traceContext: { traceparent } };
    await fx.broker.publish(event);
    await fx.broker.publish(event);
    const stored = await streamMessages(fx.names.eventsStream);
    assert.equal(stored.length, 1);
    const [message] = stored;
    assert.equal(message?.subject, `${fx.eventsSubject}.item.adjusted`);
    assert.equal(message?.header.get('Nats-Msg-Id'), event.id);
    assert.equal(message?.header.get('traceparent'), traceparent);
    assert.deepEqual(message?.json(), { id: event.id, type: event.type, data: event.data });
  });

  it('declares the topology idempotently, and a second connect of the same service works', async () => {
    const fx = fixture();
    await fx.broker.connect();
    const again = new NatsBroker({
      url: natsUrl(),
      service: services.at(-1) ?? '',
      commandsSubject: fx.commandsSubject,
      eventsSubject: fx.eventsSubject,
      deadLetterSubject: fx.deadLetterSubject,
      semantics: 'at-least-once',
      maxInFlight: 8,
      maxDeliveries: 5,
      logger,
    });
    brokers.push(again);
    await again.connect();
    const consumer = await jsm.consumers.info(fx.names.commandsStream, fx.names.consumer);
    assert.equal(consumer.config.max_ack_pending, 8, 'a changed limit is applied to the existing consumer');
    assert.equal(consumer.config.max_deliver, 6);
  });

  it('deleteTopology removes its streams and the consumer with them', async () => {
    const fx = fixture();
    await fx.broker.connect();
    await fx.broker.deleteTopology();
    const left: string[] = [];
    for await (const name of jsm.streams.names()) if (name.startsWith(fx.names.commandsStream.replace(/_COMMANDS$/, ''))) left.push(name);
    assert.deepEqual(left, []);
    await fx.broker.deleteTopology(); // nothing left to delete is fine
  });

  it('delivers commands with id, trace context and delivery count, and acks them', async () => {
    const fx = fixture();
    await fx.broker.connect();
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids) await sendCommand(fx.commandsSubject, id);
    await sendCommand(fx.commandsSubject, ids[0] ?? '');
    await fx.broker.ready(AbortSignal.timeout(1_000));
    assert.equal(fx.broker.progress().waiting, 20, 'waiting is the backlog; the repeated id was de-duplicated');

    const { deliveries, handler } = recording(() => ({ kind: 'ack' }));
    await fx.broker.consume(handler);
    await waitFor('every command acknowledged', () => drained(fx));
    assert.deepEqual(deliveries.map((delivery) => delivery.messageId).sort(), [...ids].sort());
    assert.ok(deliveries.every((delivery) => delivery.deliveryCount === 1));
    assert.ok(deliveries.every((delivery) => delivery.traceContext?.traceparent === traceparentOf(delivery.messageId ?? '')));
    await fx.broker.ready(AbortSignal.timeout(1_000));
    const progress = fx.broker.progress();
    assert.equal(progress.inFlight, 0);
    assert.equal(progress.waiting, 0);
  });

  it('retries with the requested delay, then dead-letters after maxDeliveries with the reason and original headers', async () => {
    const fx = fixture({ maxDeliveries: 3 });
    await fx.broker.connect();
    const { deliveries, handler } = recording(() => ({ kind: 'retry', reason: 'database unavailable', delayMs: 150 }));
    await fx.broker.consume(handler);
    const id = randomUUID();
    await sendCommand(fx.commandsSubject, id, 'adjust', { delta: 1 });
    await waitFor('the message in dead-letter', async () => (await jsm.streams.info(fx.names.deadLetterStream)).state.messages === 1);
    await waitFor('the command settled', () => drained(fx));
    assert.deepEqual(
      deliveries.map((delivery) => delivery.deliveryCount),
      [1, 2, 3],
    );
    for (let attempt = 1; attempt < deliveries.length; attempt++) {
      const gap = (deliveries[attempt]?.at ?? 0) - (deliveries[attempt - 1]?.at ?? 0);
      assert.ok(gap >= 120, `attempt ${attempt + 1} came ${gap} ms after the previous one`);
    }
    const [dead] = await streamMessages(fx.names.deadLetterStream);
    assert.equal(dead?.subject, fx.deadLetterSubject);
    assert.match(dead?.header.get(DEAD_LETTER_HEADERS.reason) ?? '', /3 deliveries: database unavailable/);
    assert.equal(dead?.header.get('traceparent'), traceparentOf(id), 'the dead letter keeps the original headers');
    assert.equal(dead?.header.get(DEAD_LETTER_HEADERS.subject), fx.commandsSubject);
    assert.deepEqual((dead?.json() as { id: string }).id, id);
    await sleep(300);
    assert.equal(deliveries.length, 3, 'a dead-lettered message is not delivered again');
  });

  it("keeps a slow handler's delivery from being redelivered while it runs", async () => {
    const fx = fixture({ ackWaitMs: 300 });
    await fx.broker.connect();
    const { deliveries, handler } = recording(async () => {
      await sleep(1_000);
      return { kind: 'ack' };
    });
    await fx.broker.consume(handler);
    await sendCommand(fx.commandsSubject, 'slow');
    await waitFor('the command acknowledged', () => drained(fx));
    assert.equal(deliveries.length, 1, 'handled for more than three ack waits, delivered once');
  });

  it('sends a poison message to dead-letter at once, without blocking the others', async () => {
    const fx = fixture({ maxInFlight: 1 });
    await fx.broker.connect();
    const { deliveries, handler } = recording((_, body) => (body.type === 'poison' ? { kind: 'dead-letter', reason: 'unknown message type poison' } : { kind: 'ack' }));
    await fx.broker.consume(handler);
    await sendCommand(fx.commandsSubject, 'poison-1', 'poison');
    const good = Array.from({ length: 5 }, () => randomUUID());
    for (const id of good) await sendCommand(fx.commandsSubject, id);
    await waitFor('every command settled', () => drained(fx));
    const dead = await streamMessages(fx.names.deadLetterStream);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.header.get(DEAD_LETTER_HEADERS.reason), 'unknown message type poison');
    assert.equal(dead[0]?.header.get('Nats-Msg-Id'), 'poison-1', 'the dead letter keeps the message id');
    assert.equal(deliveries.filter((delivery) => delivery.messageId === 'poison-1').length, 1);
    assert.equal(deliveries.length, 6);
  });

  it('dead-letters a message that was delivered maxDeliveries times without ever being settled', async () => {
    // As if the handler crashed the process each time: deliveries time out instead of settling.
    const fx = fixture({ maxDeliveries: 1, ackWaitMs: 500 });
    await fx.broker.connect();
    await sendCommand(fx.commandsSubject, 'crasher');
    const consumer = await js.consumers.get(fx.names.commandsStream, fx.names.consumer);
    const first = await consumer.next({ expires: 1_000 });
    assert.equal(first?.info.deliveryCount, 1); // never acked: redelivered after ack_wait
    const { deliveries, handler } = recording(() => ({ kind: 'ack' }));
    await fx.broker.consume(handler);
    await waitFor('the message in dead-letter', async () => (await jsm.streams.info(fx.names.deadLetterStream)).state.messages === 1, 5_000);
    await waitFor('the command settled', () => drained(fx));
    assert.equal(deliveries.length, 0, 'the handler does not get a delivery beyond maxDeliveries');
  });

  it('at-most-once: acks before the handler runs and never redelivers, even when the handler fails', async () => {
    const fx = fixture({ semantics: 'at-most-once', ackWaitMs: 500 });
    await fx.broker.connect();
    let unackedDuringHandler = -1;
    const { deliveries, handler } = recording(async (_, body) => {
      unackedDuringHandler = (await jsm.consumers.info(fx.names.commandsStream, fx.names.consumer)).num_ack_pending;
      return body.type === 'flaky' ? { kind: 'retry', reason: 'database unavailable', delayMs: 10 } : { kind: 'ack' };
    });
    await fx.broker.consume(handler);
    await sendCommand(fx.commandsSubject, 'flaky-1', 'flaky');
    await waitFor('the delivery', () => deliveries.length === 1);
    await waitFor('the handler to finish', () => fx.broker.progress().inFlight === 0);
    assert.equal(unackedDuringHandler, 0, 'the message was acknowledged before the handler ran');
    await sleep(800); // longer than ack_wait and the retry delay
    assert.equal(deliveries.length, 1, 'never redelivered');
    assert.ok(await drained(fx));
    const dead = await streamMessages(fx.names.deadLetterStream);
    assert.match(dead[0]?.header.get(DEAD_LETTER_HEADERS.reason) ?? '', /not retried \(at-most-once\)/);
  });

  it('at-most-once: drops a message that comes back after an instance died holding it', async () => {
    const fx = fixture({ semantics: 'at-most-once', ackWaitMs: 500 });
    await fx.broker.connect();
    await sendCommand(fx.commandsSubject, 'held-by-a-dead-instance');
    const consumer = await js.consumers.get(fx.names.commandsStream, fx.names.consumer);
    assert.equal((await consumer.next({ expires: 1_000 }))?.info.deliveryCount, 1); // never acked
    const { deliveries, handler } = recording(() => ({ kind: 'ack' }));
    await fx.broker.consume(handler);
    await sendCommand(fx.commandsSubject, 'fresh');
    await waitFor('every command settled', () => drained(fx), 5_000);
    assert.deepEqual(
      deliveries.map((delivery) => [delivery.messageId, delivery.deliveryCount]),
      [['fresh', 1]],
    );
  });

  it('at-most-once: stopConsuming handles what was already pulled instead of handing it back', async () => {
    const fx = fixture({ semantics: 'at-most-once', maxInFlight: 2 });
    await fx.broker.connect();
    const { deliveries, handler } = recording(async () => {
      await sleep(200);
      return { kind: 'ack' };
    });
    for (let i = 0; i < 6; i++) await sendCommand(fx.commandsSubject, `amo-${i}`);
    await fx.broker.consume(handler);
    await waitFor('handlers running', () => fx.broker.progress().inFlight > 0);
    await fx.broker.stopConsuming();
    await settledWithinMoments(fx); // nothing left pulled and unacknowledged
    const stream = await jsm.streams.info(fx.names.commandsStream);
    assert.equal(deliveries.length + stream.state.messages, 6, 'each command handled or still waiting, none lost');
    assert.ok(deliveries.every((delivery) => delivery.deliveryCount === 1));
  });

  it('stopConsuming stops pulling and waits for in-flight handlers to finish and ack', async () => {
    const fx = fixture({ maxInFlight: 2 });
    await fx.broker.connect();
    // As if another replica had declared the consumer with a larger limit: the server then delivers
    // more than the two handlers take, so some commands are pulled and never handed to a handler.
    await jsm.consumers.update(fx.names.commandsStream, fx.names.consumer, { max_ack_pending: 10 });
    let finished = 0;
    const { deliveries, handler } = recording(async () => {
      await sleep(300);
      finished++;
      return { kind: 'ack' };
    });
    await fx.broker.consume(handler);
    for (let i = 0; i < 5; i++) await sendCommand(fx.commandsSubject, `slow-${i}`);
    await waitFor('two handlers running', () => fx.broker.progress().inFlight === 2);
    await fx.broker.stopConsuming();
    assert.equal(fx.broker.progress().inFlight, 0);
    assert.equal(finished, deliveries.length, 'every started handler finished');
    assert.equal(deliveries.length, 2, 'nothing new was handed over after stopping');
    // The two handled commands were acknowledged (the server removes them once it applies the acks); the rest wait.
    await waitFor('the acknowledged commands removed', async () => (await jsm.streams.info(fx.names.commandsStream)).state.messages === 3, 1_500);
    // Handed back (nak), not left to ack_wait (5 s): another instance gets all three at once.
    const consumer = await js.consumers.get(fx.names.commandsStream, fx.names.consumer);
    const taken: string[] = [];
    for await (const msg of await consumer.fetch({ max_messages: 3, expires: 2_500 })) {
      taken.push(msg.string());
      msg.ack();
    }
    assert.equal(taken.length, 3, 'pulled but unhandled commands were handed back');
    await fx.broker.close();
  });

  it('declares its consumer again when it is deleted under it, and keeps consuming', async () => {
    const fx = fixture();
    await fx.broker.connect();
    const { deliveries, handler } = recording(() => ({ kind: 'ack' }));
    await fx.broker.consume(handler);
    // Once its pull request waits on the server, which then tells it about the deletion (a pull
    // that arrives after it is noticed through missed heartbeats, which takes far longer).
    await waitFor('a waiting pull request', async () => (await jsm.consumers.info(fx.names.commandsStream, fx.names.consumer)).num_waiting > 0);
    await jsm.consumers.delete(fx.names.commandsStream, fx.names.consumer);
    await waitFor('the consumer to be back', () =>
      jsm.consumers.info(fx.names.commandsStream, fx.names.consumer).then(
        () => true,
        () => false,
      ),
    );
    await sendCommand(fx.commandsSubject, 'after-delete');
    await waitFor('the delivery', () => deliveries.length === 1);
    await waitFor('readiness', () =>
      fx.broker.ready(AbortSignal.timeout(300)).then(
        () => true,
        () => false,
      ),
    );
  });

  it('ready() rejects while the server is unreachable and recovers once it is back', async () => {
    const before = fixture();
    await assert.rejects(before.broker.ready(AbortSignal.timeout(500)), /not connected/);

    const target = new URL(natsUrl().replace(/^nats:/, 'http:'));
    const proxy = await tcpProxy(target.hostname, Number(target.port || 4222));
    const fx = fixture({ url: `nats://127.0.0.1:${proxy.port}` });
    await fx.broker.connect();
    await fx.broker.ready(AbortSignal.timeout(1_000));
    await proxy.stop();
    await waitFor('readiness to fail', async () =>
      fx.broker.ready(AbortSignal.timeout(300)).then(
        () => false,
        () => true,
      ),
    );
    const restarted = await tcpProxy(target.hostname, Number(target.port || 4222), proxy.port);
    try {
      await waitFor(
        'readiness to recover',
        async () =>
          fx.broker.ready(AbortSignal.timeout(300)).then(
            () => true,
            () => false,
          ),
        8_000,
      );
      await fx.broker.publish({ topic: 'item.adjusted', id: randomUUID(), type: 'item.adjusted', data: {} });
    } finally {
      await fx.broker.close();
      await restarted.stop();
    }
  });

  it('stopConsuming returns at once while the server is unreachable (no round trip waits for the reconnect)', async () => {
    const target = new URL(natsUrl().replace(/^nats:/, 'http:'));
    const proxy = await tcpProxy(target.hostname, Number(target.port || 4222));
    const fx = fixture({ url: `nats://127.0.0.1:${proxy.port}` });
    await fx.broker.connect();
    await fx.broker.consume(recording(() => ({ kind: 'ack' })).handler);
    await proxy.stop();
    await waitFor('the disconnect to be noticed', async () =>
      fx.broker.ready(AbortSignal.timeout(300)).then(
        () => false,
        () => true,
      ),
    );
    const started = Date.now();
    await fx.broker.stopConsuming();
    assert.ok(Date.now() - started < 1_000, `stopConsuming took ${Date.now() - started} ms`);
  });

  it('keeps retrying the first connection until closed', async () => {
    const unused = await tcpProxy('127.0.0.1', 1);
    await unused.stop(); // a port nothing listens on
    const fx = fixture({ url: `nats://127.0.0.1:${unused.port}` });
    const connecting = fx.broker.connect();
    await sleep(600);
    await assert.rejects(fx.broker.ready(AbortSignal.timeout(200)), /not connected/);
    await fx.broker.close();
    await assert.rejects(connecting, /closed before it connected/);
  });
});

/** A TCP forwarder we can cut, standing in for a NATS server that goes away. */
async function tcpProxy(host: string, port: number, listenPort = 0): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return {
    port: address.port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
