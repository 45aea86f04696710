/**
 * RabbitMQ adapter (amqplib). Topology, declared on every (re)connect:
 * - commands: a durable quorum queue reached through the default exchange, with a delivery
 *   limit and a dead-letter route to the dead-letter queue (also a quorum queue);
 * - events: a durable topic exchange; every publish waits for the broker's confirm.
 * At-least-once acks after the handler's effect is committed (the acks of concurrent deliveries
 * coalesced: coalesced-acks.ts); at-most-once acks on receipt, before the handler runs. The
 * connection reconnects with backoff; the consumer resumes.
 */
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { unreachableWarning, type Logger } from '../logger.ts';
import { currentTraceCarrier, traceHeadersOf } from '../telemetry/messaging.ts';
import { CoalescedAcks } from './coalesced-acks.ts';
import type { Broker, ConsumerProgress, Delivery, DeliveryHandler, DeliverySemantics, OutboundCommand, OutboundMessage, Outcome, TraceCarrier } from './broker.ts';

export interface RabbitmqBrokerOptions {
  /** Contains credentials: never log it. */
  url: string;
  service: string;
  commandsQueue: string;
  eventsExchange: string;
  deadLetterQueue: string;
  semantics: DeliverySemantics;
  /** Prefetch: deliveries handed out and not settled yet, at most. */
  maxInFlight: number;
  /** Deliveries of one command, at most; then it goes to the dead-letter queue. */
  maxDeliveries: number;
  logger: Logger;
  /** How long a publish may wait for the broker's confirm. */
  confirmTimeoutMs?: number;
}

const RECONNECT_BASE_MS = 200;
// Bounded low: once the broker is back, a replica is consuming and publishing again within ~2 s.
const RECONNECT_MAX_MS = 2_000;
const WAITING_POLL_MS = 5_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RabbitmqBroker implements Broker {
  readonly #options: RabbitmqBrokerOptions;
  readonly #logger: Logger;
  #connection: ChannelModel | undefined;
  #consumeChannel: Channel | undefined;
  /** At-least-once: the acks of #consumeChannel, for as long as that channel lives. */
  #acks: CoalescedAcks | undefined;
  #publishChannel: ConfirmChannel | undefined;
  #handler: DeliveryHandler | undefined;
  #consumerTag: string | undefined;
  #consumingStopped = false;
  #closed = false;
  #reconnecting: Promise<void> | undefined;
  #inFlight = 0;
  #lastSettledAt = Date.now();
  #waiting: number | undefined;
  #idleWaiters: Array<() => void> = [];
  #poll: NodeJS.Timeout | undefined;
  /** At-most-once: received, not yet acknowledged, waiting for a free handler. */
  readonly #waitingForHandler: Array<{ channel: Channel; message: ConsumeMessage }> = [];
  #handlersRunning = 0;

  constructor(options: RabbitmqBrokerOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'rabbitmq' });
  }

  async connect(): Promise<void> {
    await this.#connectWithBackoff();
    this.#poll ??= setInterval(() => void this.#refreshWaiting().catch(() => undefined), WAITING_POLL_MS).unref();
  }

  async consume(handler: DeliveryHandler): Promise<void> {
    this.#handler = handler;
    this.#consumingStopped = false;
    if (this.#consumeChannel) await this.#startConsumer(this.#consumeChannel);
  }

  async stopConsuming(): Promise<void> {
    this.#consumingStopped = true;
    const channel = this.#consumeChannel;
    const tag = this.#consumerTag;
    this.#consumerTag = undefined;
    if (channel && tag) await channel.cancel(tag).catch(() => undefined);
    if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    const acks = this.#acks;
    if (acks) this.#settleQuietly(() => acks.flush());
  }

  async publish(message: OutboundMessage): Promise<void> {
    await this.#publishConfirmed(this.#options.eventsExchange, message.topic, message);
  }

  async sendCommand(command: OutboundCommand): Promise<void> {
    // The default exchange routes by queue name: straight into the command queue.
    await this.#publishConfirmed('', this.#options.commandsQueue, command);
  }

  async #publishConfirmed(exchange: string, routingKey: string, message: OutboundCommand): Promise<void> {
    const channel = this.#publishChannel;
    if (!channel) throw new Error('RabbitMQ is not connected');
    const body = Buffer.from(JSON.stringify({ id: message.id, type: message.type, data: message.data }), 'utf8');
    await this.#confirmed((done) => channel.publish(exchange, routingKey, body, this.#properties(message.id, message.type, message.traceContext), done));
  }

  async ready(_signal: AbortSignal): Promise<void> {
    if (!this.#connection || !this.#publishChannel || !this.#consumeChannel) throw new Error('RabbitMQ is not connected');
    if (this.#handler && !this.#consumingStopped && !this.#consumerTag) throw new Error('not consuming');
    // One round trip proves the broker answers; it also refreshes the queue depth for liveness.
    await this.#refreshWaiting();
  }

  progress(): ConsumerProgress {
    return { inFlight: this.#inFlight, lastSettledAt: this.#lastSettledAt, waiting: this.#waiting };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#poll);
    if (!this.#consumingStopped) await this.stopConsuming();
    const connection = this.#connection;
    this.#connection = undefined;
    this.#publishChannel = undefined;
    this.#consumeChannel = undefined;
    await connection?.close().catch(() => undefined);
  }

  /** Removes the queues and the exchange (tests with names of their own). */
  async deleteTopology(): Promise<void> {
    const channel = this.#publishChannel;
    if (!channel) throw new Error('RabbitMQ is not connected');
    await channel.deleteQueue(this.#options.commandsQueue);
    await channel.deleteQueue(this.#options.deadLetterQueue);
    await channel.deleteExchange(this.#options.eventsExchange);
  }

  async #connectWithBackoff(): Promise<void> {
    for (let attempt = 1; !this.#closed; attempt += 1) {
      try {
        await this.#open();
        if (attempt > 1) this.#logger.info({ attempt }, 'RabbitMQ connection restored');
        return;
      } catch (error) {
        const delayMs = Math.round(Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
        const [fields, message] = unreachableWarning('RabbitMQ', this.#options.url, error, 'rabbitmq');
        this.#logger.warn({ ...fields, attempt, delayMs }, `${message}; retrying`);
        await sleep(delayMs);
      }
    }
  }

  async #open(): Promise<void> {
    const connection = await amqp.connect(this.#options.url, { clientProperties: { connection_name: this.#options.service } });
    try {
      // Without an 'error' listener a connection error would crash the process.
      connection.on('error', (error: Error) => this.#logger.warn({ err: error }, 'RabbitMQ connection error'));
      connection.on('close', () => this.#lost(connection));
      const publishChannel = await connection.createConfirmChannel();
      const consumeChannel = await connection.createChannel();
      for (const channel of [publishChannel, consumeChannel]) {
        channel.on('error', (error: Error) => this.#logger.warn({ err: error }, 'RabbitMQ channel error'));
        // A channel closed by the broker (e.g. a precondition failure): start over with a new connection.
        channel.on('close', () => {
          if (this.#connection === connection) void connection.close().catch(() => undefined);
        });
      }
      await this.#declare(publishChannel);
      await consumeChannel.prefetch(this.#options.maxInFlight);
      this.#connection = connection;
      this.#publishChannel = publishChannel;
      this.#consumeChannel = consumeChannel;
      this.#acks =
        this.#options.semantics === 'at-least-once'
          ? new CoalescedAcks(consumeChannel, (error) => this.#logger.warn({ err: error }, 'settling a delivery failed: its channel is closed'))
          : undefined;
      if (this.#handler && !this.#consumingStopped) await this.#startConsumer(consumeChannel);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  async #declare(channel: Channel): Promise<void> {
    const { commandsQueue, deadLetterQueue, eventsExchange, maxDeliveries } = this.#options;
    await channel.assertExchange(eventsExchange, 'topic', { durable: true });
    await channel.assertQueue(deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.assertQueue(commandsQueue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        // Dead-lettered once delivered unsuccessfully more often than this (counts rejects).
        'x-delivery-limit': Math.max(0, maxDeliveries - 1),
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': deadLetterQueue,
      },
    });
  }

  #lost(connection: ChannelModel): void {
    if (this.#connection !== connection && this.#connection !== undefined) return;
    this.#connection = undefined;
    this.#publishChannel = undefined;
    this.#consumeChannel = undefined;
    this.#acks = undefined;
    this.#consumerTag = undefined;
    if (this.#closed || this.#reconnecting) return;
    this.#logger.warn('RabbitMQ connection lost; reconnecting');
    this.#reconnecting = this.#connectWithBackoff().finally(() => {
      this.#reconnecting = undefined;
    });
  }

  async #startConsumer(channel: Channel): Promise<void> {
    if (this.#consumerTag) return;
    const acks = this.#acks;
    const { consumerTag } = await channel.consume(
      this.#options.commandsQueue,
      (message) => {
        if (!message) return;
        acks?.delivered(message);
        this.#deliver(channel, message, acks);
      },
      { noAck: false },
    );
    this.#consumerTag = consumerTag;
  }

  #deliver(channel: Channel, message: ConsumeMessage, acks: CoalescedAcks | undefined): void {
    if (!this.#handler) return;
    // Progress is measured from the later of the last settle and the start of a busy period,
    // so the first delivery after a quiet hour does not look like a stall.
    if (this.#inFlight === 0) this.#lastSettledAt = Date.now();
    this.#inFlight += 1;
    if (acks) {
      void this.#handleAtLeastOnce(channel, acks, message).finally(() => this.#settled());
      return;
    }
    if (message.fields.redelivered) {
      // Handed out before and not acknowledged (a crash or a lost connection in between): it may
      // have reached a handler already, so at-most-once drops it rather than risk applying it twice.
      this.#logger.warn({ messageId: message.properties.messageId }, 'redelivered command dropped (at-most-once)');
      this.#settleQuietly(() => channel.ack(message));
      this.#settled();
      return;
    }
    // Acking frees the prefetch slot at once, so the handlers running are bounded here instead:
    // a command waits, unacknowledged, until one of maxInFlight handlers is free.
    this.#waitingForHandler.push({ channel, message });
    this.#startAtMostOnce();
  }

  #startAtMostOnce(): void {
    const handler = this.#handler;
    while (handler && this.#handlersRunning < this.#options.maxInFlight && this.#waitingForHandler.length > 0) {
      const { channel, message } = this.#waitingForHandler.shift() as { channel: Channel; message: ConsumeMessage };
      // Ack on receipt, before the handler runs: from here on a crash loses this command.
      if (!this.#settleQuietly(() => channel.ack(message))) {
        this.#settled();
        continue;
      }
      this.#handlersRunning += 1;
      void this.#handle(handler, this.#toDelivery(message))
        .then((outcome) => (outcome.kind === 'ack' ? undefined : this.#deadLetterCopy(message, outcome)))
        .finally(() => {
          this.#handlersRunning -= 1;
          this.#settled();
          this.#startAtMostOnce();
        });
    }
  }

  async #handleAtLeastOnce(channel: Channel, acks: CoalescedAcks, message: ConsumeMessage): Promise<void> {
    const handler = this.#handler;
    if (!handler) return;
    const delivery = this.#toDelivery(message);
    const outcome = await this.#handle(handler, delivery);
    if (outcome.kind === 'ack') {
      this.#settleQuietly(() => acks.ack(message));
    } else if (outcome.kind === 'dead-letter' || delivery.deliveryCount >= this.#options.maxDeliveries) {
      this.#logger.warn({ messageId: delivery.messageId, reason: outcome.reason }, 'command dead-lettered');
      this.#settleQuietly(() => channel.reject(message, false));
      acks.settledElsewhere(message);
    } else {
      // Backoff while holding the message (it occupies one prefetch slot), then return it.
      // reject, not nack: RabbitMQ 4 counts only rejects towards the delivery limit.
      await sleep(outcome.delayMs);
      this.#settleQuietly(() => channel.reject(message, true));
      acks.settledElsewhere(message);
    }
  }

  /** Settles on the channel the message came from; false when that channel is gone (the broker redelivers). */
  #settleQuietly(settle: () => void): boolean {
    try {
      settle();
      return true;
    } catch (error) {
      this.#logger.warn({ err: error }, 'settling a delivery failed: its channel is closed');
      return false;
    }
  }

  #settled(): void {
    this.#inFlight -= 1;
    this.#lastSettledAt = Date.now();
    if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async #handle(handler: DeliveryHandler, delivery: Delivery): Promise<Outcome> {
    try {
      return await handler(delivery);
    } catch (error) {
      return { kind: 'retry', reason: error instanceof Error ? error.message : String(error), delayMs: 1000 };
    }
  }

  /** At-most-once has acked already, so a poison command is copied to the dead-letter queue instead. */
  async #deadLetterCopy(message: ConsumeMessage, outcome: Outcome): Promise<void> {
    const reason = outcome.kind === 'ack' ? '' : outcome.reason;
    this.#logger.warn({ messageId: message.properties.messageId, reason }, 'command not applied (at-most-once: not retried)');
    const channel = this.#publishChannel;
    if (!channel) return;
    await this.#confirmed((done) =>
      channel.sendToQueue(
        this.#options.deadLetterQueue,
        message.content,
        { ...message.properties, headers: { ...message.properties.headers, 'x-failure-reason': reason } },
        done,
      ),
    ).catch((error: unknown) => this.#logger.warn({ err: error }, 'copying to the dead-letter queue failed'));
  }

  #toDelivery(message: ConsumeMessage): Delivery {
    const headers = message.properties.headers ?? {};
    const counted = headers['x-delivery-count'];
    return {
      body: message.content,
      messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined,
      deliveryCount: typeof counted === 'number' ? counted + 1 : message.fields.redelivered ? 2 : 1,
      traceContext: traceHeadersOf((name) => headers[name]),
    };
  }

  #properties(id: string, type: string, traceContext: TraceCarrier = currentTraceCarrier()) {
    return {
      persistent: true,
      contentType: 'application/json',
      messageId: id,
      type,
      timestamp: Math.floor(Date.now() / 1000),
      appId: this.#options.service,
      // W3C trace context (traceparent, tracestate): the consumer continues the sender's trace.
      headers: { ...traceContext },
    };
  }

  #confirmed(send: (done: (error: unknown) => void) => void): Promise<void> {
    const timeoutMs = this.#options.confirmTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no publisher confirm within ${timeoutMs} ms`)), timeoutMs);
      try {
        send((error) => {
          clearTimeout(timer);
          if (error) reject(error instanceof Error ? error : new Error(`publish not confirmed: ${String(error)}`));
          else resolve();
        });
      } catch (error) {
        clearTimeout(timer);
        reject(error);
      }
    });
  }

  async #refreshWaiting(): Promise<void> {
    const channel = this.#publishChannel;
    if (!channel) return;
    const { messageCount } = await channel.checkQueue(this.#options.commandsQueue);
    this.#waiting = messageCount;
  }
}
