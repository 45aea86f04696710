// Test-side clients of the real brokers (RabbitMQ on 5672, NATS JetStream on 4222): publish
// commands, read what the service left behind (queue depth, dead letters, events), and remove
// every queue, exchange and stream of one service name afterwards.
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { connect as connectNats, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { registerCleanup } from './cleanup.js';

export type BrokerKind = 'rabbitmq' | 'nats';

export const AMQP_TEST_URL = process.env.MICROFORGE_E2E_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_TEST_URL = process.env.MICROFORGE_E2E_NATS_URL ?? 'nats://127.0.0.1:4222';

/** The names a generated service derives from its name and resource (see template-context.ts). */
export interface MessagingNames {
  service: string;
  commands: string;
  deadLetter: string;
  events: string;
}

export function messagingNames(service: string, resource: string): MessagingNames {
  return {
    service,
    commands: `${service}.${resource}.commands`,
    deadLetter: `${service}.${resource}.commands.dead-letter`,
    events: `${service}.events`,
  };
}

export interface OutgoingCommand {
  id: string;
  /** JSON-encoded unless a string (to send poison). */
  body: unknown;
  /** A W3C traceparent header, as a traced producer sends it. */
  traceparent?: string;
}

export interface ReceivedMessage {
  id: string | undefined;
  body: string;
}

export interface TestBrokerClient {
  kind: BrokerKind;
  /** Environment of the generated service: AMQP_URL or NATS_URL. */
  serviceEnv: Record<string, string>;
  /** Start capturing events (RabbitMQ: a queue bound to the events exchange). Call before the service publishes. */
  captureEvents(): Promise<void>;
  publish(commands: readonly OutgoingCommand[]): Promise<void>;
  /** Commands not yet acknowledged (waiting or in flight). */
  pendingCommands(): Promise<number>;
  deadLetters(): Promise<ReceivedMessage[]>;
  events(): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
}

const encode = (body: unknown): Buffer => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');

class RabbitmqTestClient implements TestBrokerClient {
  readonly kind = 'rabbitmq' as const;
  readonly serviceEnv = { AMQP_URL: AMQP_TEST_URL };
  readonly #names: MessagingNames;
  readonly #eventsCopy: string;
  #connection: ChannelModel | undefined;
  #channel: ConfirmChannel | undefined;

  constructor(names: MessagingNames) {
    this.#names = names;
    this.#eventsCopy = `${names.service}.test-events`;
  }

  async open(): Promise<void> {
    this.#connection = await amqp.connect(AMQP_TEST_URL);
    this.#connection.on('error', () => undefined);
    this.#channel = await this.#connection.createConfirmChannel();
    registerCleanup(`RabbitMQ queues of ${this.#names.service}`, () => this.#deleteAll());
  }

  get #ch(): ConfirmChannel {
    if (!this.#channel) throw new Error('RabbitMQ test client is not open');
    return this.#channel;
  }

  async captureEvents(): Promise<void> {
    await this.#ch.assertExchange(this.#names.events, 'topic', { durable: true });
    await this.#ch.assertQueue(this.#eventsCopy, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await this.#ch.bindQueue(this.#eventsCopy, this.#names.events, '#');
  }

  async publish(commands: readonly OutgoingCommand[]): Promise<void> {
    for (const command of commands) {
      this.#ch.sendToQueue(this.#names.commands, encode(command.body), {
        messageId: command.id,
        headers: command.traceparent === undefined ? {} : { traceparent: command.traceparent },
        persistent: true,
        contentType: 'application/json',
      });
    }
    await this.#ch.waitForConfirms();
  }

  async pendingCommands(): Promise<number> {
    // Unacknowledged deliveries return to the queue when the consumer's connection closes, so
    // with the service stopped this is everything not acknowledged.
    return (await this.#ch.checkQueue(this.#names.commands)).messageCount;
  }

  async #drain(queue: string): Promise<ReceivedMessage[]> {
    const received: ReceivedMessage[] = [];
    for (;;) {
      const message = await this.#ch.get(queue, { noAck: true });
      if (message === false) return received;
      received.push({ id: message.properties.messageId as string | undefined, body: message.content.toString('utf8') });
    }
  }

  deadLetters(): Promise<ReceivedMessage[]> {
    return this.#drain(this.#names.deadLetter);
  }

  events(): Promise<ReceivedMessage[]> {
    return this.#drain(this.#eventsCopy);
  }

  async close(): Promise<void> {
    await this.#deleteAll();
  }

  async #deleteAll(): Promise<void> {
    if (!this.#connection) return;
    const channel = await this.#connection.createChannel();
    for (const queue of [this.#names.commands, this.#names.deadLetter, this.#eventsCopy]) await channel.deleteQueue(queue);
    await channel.deleteExchange(this.#names.events);
    await channel.close();
    await this.#connection.close();
    this.#connection = undefined;
    this.#channel = undefined;
  }
}

class NatsTestClient implements TestBrokerClient {
  readonly kind = 'nats' as const;
  readonly serviceEnv = { NATS_URL: NATS_TEST_URL };
  readonly #names: MessagingNames;
  #nc: NatsConnection | undefined;
  #jsm: JetStreamManager | undefined;

  constructor(names: MessagingNames) {
    this.#names = names;
  }

  async open(): Promise<void> {
    this.#nc = await connectNats({ servers: NATS_TEST_URL });
    this.#jsm = await jetstreamManager(this.#nc);
    registerCleanup(`NATS streams of ${this.#names.service}`, () => this.#deleteAll());
  }

  get #manager(): JetStreamManager {
    if (!this.#jsm) throw new Error('NATS test client is not open');
    return this.#jsm;
  }

  async captureEvents(): Promise<void> {
    // The service's stream captures its events; nothing to set up.
  }

  async publish(commands: readonly OutgoingCommand[]): Promise<void> {
    const js = jetstream(this.#nc!);
    await Promise.all(
      commands.map((command) => {
        const h = natsHeaders();
        if (command.traceparent !== undefined) h.set('traceparent', command.traceparent);
        return js.publish(this.#names.commands, encode(command.body), { msgID: command.id, headers: h });
      }),
    );
  }

  async #streamFor(subject: string): Promise<string> {
    return this.#manager.streams.find(subject);
  }

  async pendingCommands(): Promise<number> {
    const stream = await this.#streamFor(this.#names.commands);
    let pending = 0;
    for await (const consumer of this.#manager.consumers.list(stream)) {
      const filters = [consumer.config.filter_subject, ...(consumer.config.filter_subjects ?? [])];
      if (filters.some((filter) => filter === this.#names.commands)) pending += consumer.num_pending + consumer.num_ack_pending;
    }
    return pending;
  }

  async #read(subject: string): Promise<ReceivedMessage[]> {
    const stream = await this.#streamFor(subject);
    const js = jetstream(this.#nc!);
    // A string, not a list: filter_subjects (plural) needs nats-server 2.10.
    const consumer = await js.consumers.get(stream, { filter_subjects: subject });
    const received: ReceivedMessage[] = [];
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 1000 });
      let got = 0;
      for await (const message of batch) {
        got += 1;
        received.push({ id: message.headers?.get('Nats-Msg-Id') || undefined, body: message.string() });
      }
      if (got === 0) return received;
    }
  }

  deadLetters(): Promise<ReceivedMessage[]> {
    return this.#read(this.#names.deadLetter);
  }

  events(): Promise<ReceivedMessage[]> {
    return this.#read(`${this.#names.events}.>`);
  }

  async close(): Promise<void> {
    await this.#deleteAll();
  }

  async #deleteAll(): Promise<void> {
    if (!this.#nc || !this.#jsm) return;
    const prefix = `${this.#names.service}.`;
    for await (const stream of this.#jsm.streams.list()) {
      if ((stream.config.subjects ?? []).some((subject) => subject.startsWith(prefix))) await this.#jsm.streams.delete(stream.config.name);
    }
    await this.#nc.close();
    this.#nc = undefined;
    this.#jsm = undefined;
  }
}

/** A client for one service's names; its queues/streams are removed by close() or cleanupAll(). */
export async function openTestBroker(kind: BrokerKind, names: MessagingNames): Promise<TestBrokerClient> {
  const client = kind === 'rabbitmq' ? new RabbitmqTestClient(names) : new NatsTestClient(names);
  await client.open();
  return client;
}
