/**
 * The Broker on NATS JetStream. Commands arrive on one subject captured by a work-queue stream
 * and are pulled by one durable consumer; events go to `<eventsSubject>.<topic>` captured by an
 * events stream; dead letters go to a subject captured by a dead-letter stream. JetStream never
 * moves a message to a dead-letter stream by itself, so this adapter does it: publish a copy
 * (original headers plus the reason), wait for the PubAck, then `term()` the original.
 *
 * Delivery semantics live here because only the adapter knows when the ack happens:
 * - at-least-once: the handler runs first and the ack follows its outcome, so an effect is
 *   committed before the message leaves the stream; a crash means a redelivery, which the
 *   inbox de-duplicates.
 * - at-most-once: the ack is confirmed by the server before the handler runs, so a message the
 *   handler has seen is never delivered again. A crash loses what was being handled, and what
 *   had been pulled but not yet acknowledged: the server redelivers that, and it is dropped
 *   (never handed to the handler a second time) and logged as lost.
 */
import { connect as connectNats, headers as natsHeaders, nanos, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import { lazyChild, unreachableWarning, type Logger } from '../logger.ts';
import { currentTraceCarrier, traceHeadersOf } from '../telemetry/messaging.ts';
import type { Broker, ConsumerProgress, Delivery, DeliveryHandler, DeliverySemantics, OutboundCommand, OutboundMessage, Outcome } from './broker.ts';
import { JetStreamPublisher } from './jetstream-publisher.ts';

export interface NatsBrokerOptions {
  /** nats://host:port; may carry credentials, so it is never logged. */
  url: string;
  service: string;
  /** The one subject commands are published to, e.g. `inventory.item.commands`. */
  commandsSubject: string;
  /** Events are published to `<eventsSubject>.<topic>`. */
  eventsSubject: string;
  deadLetterSubject: string;
  semantics: DeliverySemantics;
  /** Handlers running at once; also the consumer's max_ack_pending. */
  maxInFlight: number;
  /** Handler attempts before a message that keeps failing goes to dead-letter. */
  maxDeliveries: number;
  logger: Logger;
  /**
   * Time the server waits for an ack before redelivering. Running handlers are kept alive with
   * in-progress acks, so this only decides how soon a crashed instance's deliveries come back.
   */
  ackWaitMs?: number;
}

export const MESSAGE_ID_HEADER = 'Nats-Msg-Id';
export const DEAD_LETTER_HEADERS = {
  reason: 'Dead-Letter-Reason',
  subject: 'Dead-Letter-Original-Subject',
  stream: 'Dead-Letter-Original-Stream',
  sequence: 'Dead-Letter-Original-Sequence',
  deliveries: 'Dead-Letter-Deliveries',
} as const;

/**
 * The stream and consumer names for a service, in the usual upper snake case: names may not
 * hold `.`, `*`, `>` or spaces.
 */
export function natsNamesFor(service: string): {
  commandsStream: string;
  eventsStream: string;
  deadLetterStream: string;
  consumer: string;
} {
  const base = service.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return {
    commandsStream: `${base}_COMMANDS`,
    eventsStream: `${base}_EVENTS`,
    deadLetterStream: `${base}_DEAD_LETTER`,
    consumer: `${base}_COMMAND_HANDLER`,
  };
}

const DEFAULT_ACK_WAIT_MS = 5_000;
/** JetStream API error codes the client does not name. */
const STREAM_NAME_IN_USE = 10058;
const STREAM_SUBJECT_OVERLAP = 10065;
/** JetStream drops a publish with a Nats-Msg-Id it has seen within this window. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;
const EVENTS_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
const DEAD_LETTER_MAX_AGE_MS = 30 * 24 * 60 * 60_000;
// Bounded low: once the server is back, a replica is consuming again within ~2 s.
const CONNECT_BACKOFF_MS = { first: 250, max: 2_000 };
const PUBLISH_TIMEOUT_MS = 5_000;
/** consumer info is cheap but not free: `progress()` refreshes `waiting` at most this often. */
const WAITING_REFRESH_MS = 5_000;
/** Longest a handler keeps its delivery from being redelivered. */
const MAX_HANDLING_MS = 5 * 60_000;
/** A handler that throws instead of returning an Outcome is retried after this long. */
const THROWN_RETRY_DELAY_MS = 1_000;

interface Topology {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Events and commands (the outbox relay's publishes); dead letters go through `js`. */
  publisher: JetStreamPublisher;
}

export class NatsBroker implements Broker {
  readonly #options: NatsBrokerOptions;
  readonly #logger: Logger;
  readonly #names: ReturnType<typeof natsNamesFor>;
  readonly #ackWaitMs: number;
  #topology: Topology | undefined;
  #connected = false;
  #closing = false;
  #wakeConnectLoop: (() => void) | undefined;

  #messages: ConsumerMessages | undefined;
  #consumeLoop: Promise<void> | undefined;
  #consumeFailure: string | undefined;
  #wakeConsumeLoop: (() => void) | undefined;
  #stopping = false;
  readonly #inFlight = new Set<Promise<void>>();
  #acksDue: Array<{ msg: JsMsg; log: Logger }> = [];
  #acksSent: Promise<void> | undefined;
  #slotFreed: (() => void) | undefined;
  #lastSettledAt = Date.now();
  #waiting: number | undefined;
  #waitingAt = 0;
  #refreshingWaiting = false;

  constructor(options: NatsBrokerOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) throw new RangeError('maxInFlight must be a positive integer');
    if (!Number.isInteger(options.maxDeliveries) || options.maxDeliveries < 1) throw new RangeError('maxDeliveries must be a positive integer');
    this.#options = options;
    this.#logger = options.logger.child({ component: 'nats' });
    this.#names = natsNamesFor(options.service);
    this.#ackWaitMs = options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  }

  async connect(): Promise<void> {
    if (this.#topology !== undefined) return;
    const nc = await this.#connectWithBackoff();
    try {
      if (this.#closing) throw new Error('the NATS broker was closed while it connected');
      const jsm = await jetstreamManager(nc);
      await this.#declareTopology(jsm);
      this.#holdPullsWhileStopping(nc);
      this.#topology = { nc, js: jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS }), jsm, publisher: new JetStreamPublisher(nc, PUBLISH_TIMEOUT_MS) };
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
    this.#connected = true;
    void this.#watchStatus(nc);
    this.#logger.info({ ...this.#names, semantics: this.#options.semantics }, 'connected to NATS JetStream');
  }

  async consume(handler: DeliveryHandler): Promise<void> {
    if (this.#consumeLoop !== undefined) throw new Error('consume() was already called');
    this.#stopping = false;
    const messages = await this.#pull();
    this.#lastSettledAt = Date.now();
    this.#consumeLoop = this.#consumeUntilStopped(messages, handler);
  }

  async stopConsuming(): Promise<void> {
    this.#stopping = true; // from here on no pull goes out (#holdPullsWhileStopping)
    this.#wakeConsumeLoop?.();
    // What was already pulled is still yielded, and handed back (at-least-once) or handled
    // (at-most-once, where handing back would make it a redelivery) in #pump.
    await this.#unsubscribeLikeDrain();
    await this.#consumeLoop;
    await Promise.allSettled([...this.#inFlight]);
    // Acks are sent without waiting for the server; make sure the last ones (and the naks of
    // handed-back messages) have reached it before saying the consumer has stopped.
    if (this.#connected) await this.#topology?.nc.flush().catch(() => undefined);
  }

  async publish(message: OutboundMessage): Promise<void> {
    await this.#publishTo(`${this.#options.eventsSubject}.${message.topic}`, this.#names.eventsStream, message);
  }

  async sendCommand(command: OutboundCommand): Promise<void> {
    await this.#publishTo(this.#options.commandsSubject, this.#names.commandsStream, command);
  }

  /** Publishes with the message id as Nats-Msg-Id and waits for the stream's PubAck. */
  async #publishTo(subject: string, streamName: string, message: OutboundCommand): Promise<void> {
    const { publisher } = this.#require();
    const headers = natsHeaders();
    // W3C trace context (traceparent, tracestate): the consumer continues the sender's trace.
    for (const [name, value] of Object.entries(message.traceContext ?? currentTraceCarrier())) headers.set(name, value);
    const body = JSON.stringify({ id: message.id, type: message.type, data: message.data });
    const ack = await publisher.publish(subject, body, { messageId: message.id, streamName, headers });
    if (ack.duplicate) this.#logger.debug({ messageId: message.id }, 'JetStream dropped a duplicate publish');
  }

  async ready(signal: AbortSignal): Promise<void> {
    if (this.#closing) throw new Error('the NATS connection is closing');
    const topology = this.#topology;
    if (topology === undefined) throw new Error('not connected to NATS yet');
    if (!this.#connected || topology.nc.isClosed()) throw new Error('disconnected from NATS (reconnecting)');
    if (this.#consumeFailure !== undefined) throw new Error(`the NATS consumer stopped: ${this.#consumeFailure}`);
    // One round trip each to the JetStream API: consuming and publishing both work right now.
    const [consumer] = await abortable(
      Promise.all([topology.jsm.consumers.info(this.#names.commandsStream, this.#names.consumer), topology.jsm.streams.info(this.#names.eventsStream)]),
      signal,
    );
    this.#setWaiting(consumer.num_pending);
  }

  progress(): ConsumerProgress {
    if (Date.now() - this.#waitingAt > WAITING_REFRESH_MS) this.#refreshWaiting();
    return { inFlight: this.#inFlight.size, lastSettledAt: this.#lastSettledAt, waiting: this.#waiting };
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#wakeConnectLoop?.();
    if (this.#consumeLoop !== undefined) await this.stopConsuming();
    const topology = this.#topology;
    if (topology === undefined || topology.nc.isClosed()) return;
    // drain() flushes the acks and publishes still buffered, then closes; without a connection
    // there is nothing to flush to, and the server redelivers what was not acknowledged.
    await (this.#connected ? topology.nc.drain() : topology.nc.close());
    // Publishes whose PubAck did not come before the close fail now rather than at their timeout.
    topology.publisher.close();
  }

  /** Deletes the three streams (and with them the consumer); for tests with names of their own. */
  async deleteTopology(): Promise<void> {
    const { jsm } = this.#require();
    const { commandsStream, eventsStream, deadLetterStream } = this.#names;
    for (const stream of [commandsStream, eventsStream, deadLetterStream]) {
      try {
        await jsm.streams.delete(stream);
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      }
    }
  }

  // ---- connection and topology -------------------------------------------------------------

  async #connectWithBackoff(): Promise<NatsConnection> {
    let delay = CONNECT_BACKOFF_MS.first;
    for (let attempt = 1; ; attempt++) {
      if (this.#closing) throw new Error('the NATS broker was closed before it connected');
      try {
        return await connectNats({
          ...serversAndCredentials(this.#options.url),
          name: this.#options.service,
          // After the first connection the client reconnects by itself, forever, with jitter.
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1_000,
          reconnectJitter: 500,
          timeout: 5_000,
          pingInterval: 10_000,
          maxPingOut: 3,
          // Otherwise every request (each publish awaiting its PubAck) builds three Errors up
          // front, in case it fails, to give the failure the caller's stack: 40% of a publish's
          // CPU. A failed publish is still reported with its message and by whoever awaited it.
          noAsyncTraces: true,
        });
      } catch (error) {
        const [fields, message] = unreachableWarning('NATS', this.#options.url, error, 'nats');
        this.#logger.warn({ ...fields, attempt, retryInMs: delay }, `${message}; retrying`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay * (0.5 + Math.random() / 2));
          this.#wakeConnectLoop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        delay = Math.min(delay * 2, CONNECT_BACKOFF_MS.max);
      }
    }
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.#connected = false;
          if (!this.#closing) this.#logger.warn({ server: status.server }, 'disconnected from NATS; reconnecting');
          break;
        case 'reconnect':
          this.#connected = true;
          this.#logger.info({ server: status.server }, 'reconnected to NATS');
          break;
        case 'error':
          this.#logger.error({ err: describe(status.error) }, 'NATS connection error');
          break;
        default:
          break;
      }
    }
  }

  async #declareTopology(jsm: JetStreamManager): Promise<void> {
    const { commandsStream, eventsStream, deadLetterStream, consumer } = this.#names;
    const { commandsSubject, eventsSubject, deadLetterSubject, maxDeliveries, maxInFlight } = this.#options;
    // Work-queue retention for commands: a command is work for exactly this service, so it is
    // removed once acknowledged (or terminated after dead-lettering). The stream then holds only
    // the backlog, a new consumer cannot replay old commands, and the server refuses a second
    // consumer that would also execute them. Limits retention would keep every handled command.
    await upsertStream(jsm, {
      name: commandsStream,
      subjects: [commandsSubject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
    await upsertStream(jsm, {
      name: eventsStream,
      subjects: [`${eventsSubject}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(EVENTS_MAX_AGE_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
    await upsertStream(jsm, {
      name: deadLetterStream,
      subjects: [deadLetterSubject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(DEAD_LETTER_MAX_AGE_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
    const config: Partial<ConsumerConfig> = {
      durable_name: consumer,
      filter_subject: commandsSubject,
      deliver_policy: DeliverPolicy.All,
      ack_policy: AckPolicy.Explicit,
      // Redelivery after a crash or a hung handler; running handlers keep their deliveries alive
      // with in-progress acks. Retries the handler asks for use nak(delay) with its backoff. No
      // consumer `backoff` list: nats-server 2.9 measures a nak delay from ack_wait but checks it
      // against the backoff entry, so nak(150 ms) on a second delivery came back after 1.15 s
      // with backoff [1 s, 2 s]; retry timing would stop being the handler's.
      ack_wait: nanos(this.#ackWaitMs),
      // One delivery more than the handler gets: a message whose handler keeps killing the
      // process is dead-lettered on that extra delivery instead of staying in the stream forever.
      max_deliver: maxDeliveries + 1,
      max_ack_pending: maxInFlight,
    };
    try {
      await jsm.consumers.add(commandsStream, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      await jsm.consumers.update(commandsStream, consumer, config);
    }
  }

  /**
   * Unsubscribes the way a drain does: UNSUB, then a round trip while still listening, so the
   * commands the server sent before it saw the UNSUB arrive and reach #pump instead of being
   * dropped by the client (they would wait out ack_wait). nats.js's messages.stop() unsubscribes
   * at once; its subscription is a plain field of the iterator.
   */
  async #unsubscribeLikeDrain(): Promise<void> {
    const messages = this.#messages;
    if (messages === undefined) return;
    const subscription = (messages as Partial<{ sub: Subscription }>).sub;
    // Disconnected, nothing can arrive and a round trip would wait for the reconnect (the
    // shutdown deadline); what the server holds for us comes back after ack_wait.
    if (this.#connected && subscription !== undefined && !subscription.isClosed() && !subscription.isDraining()) await subscription.drain().catch(() => undefined);
    messages.stop();
  }

  /**
   * nats.js queues each refill pull of consume() behind the messages already received and sends it
   * only when the iterator reaches it. After messages.stop() the pump still walks those messages
   * (to hand them back), so it would send pulls into an inbox nobody listens on any more; the
   * server answers them anyway, and those commands wait out ack_wait (at-most-once then drops them
   * as lost). Under load one stop in about 25 left commands so. While stopping, no pull goes out.
   */
  #holdPullsWhileStopping(nc: NatsConnection): void {
    const pullSubject = `$JS.API.CONSUMER.MSG.NEXT.${this.#names.commandsStream}.${this.#names.consumer}`;
    const publish = nc.publish.bind(nc);
    nc.publish = (subject, payload, options) => {
      if (this.#stopping && subject === pullSubject) return;
      publish(subject, payload, options);
    };
  }

  #require(): Topology {
    if (this.#topology === undefined) throw new Error('the NATS broker is not connected: call connect() first');
    return this.#topology;
  }

  // ---- consuming ---------------------------------------------------------------------------

  async #pull(): Promise<ConsumerMessages> {
    const { js } = this.#require();
    const consumer = await js.consumers.get(this.#names.commandsStream, this.#names.consumer);
    // Pull no more than can run: the rest stays in the stream for other instances.
    const messages = await consumer.consume({ max_messages: this.#options.maxInFlight });
    this.#messages = messages;
    if (this.#stopping) messages.stop();
    void this.#watchConsumer(messages);
    return messages;
  }

  /** Someone deleted the consumer or the stream: declare them again and pull afresh. */
  async #watchConsumer(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (status.type !== 'consumer_deleted' && status.type !== 'consumer_not_found' && status.type !== 'stream_not_found') continue;
      this.#logger.error({ status: status.type }, 'the NATS consumer or its stream disappeared; declaring them again');
      try {
        await this.#declareTopology(this.#require().jsm);
      } catch (error) {
        this.#logger.error({ err: describe(error) }, 'cannot declare the NATS streams and consumer');
        continue;
      }
      messages.stop(); // #consumeUntilStopped re-opens it
      return;
    }
  }

  /**
   * The client rides out reconnects by itself; this covers the rest (the iterator failing or
   * ending, e.g. on a 400 from the server or a consumer deleted under us): readiness fails
   * while the consumer is re-opened with backoff.
   */
  async #consumeUntilStopped(first: ConsumerMessages, handler: DeliveryHandler): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    let delay = CONNECT_BACKOFF_MS.first;
    while (!this.#stopping) {
      try {
        messages ??= await this.#pull();
        this.#consumeFailure = undefined;
        await this.#pump(messages, handler);
        if (this.#stopping) return;
        throw new Error('the message iterator ended');
      } catch (error) {
        if (this.#stopping) return;
        this.#consumeFailure = describe(error);
        this.#logger.error({ err: describe(error), retryInMs: delay }, 'the NATS consumer stopped; re-opening it');
      }
      messages = undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wakeConsumeLoop = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(delay * 2, CONNECT_BACKOFF_MS.max);
    }
  }

  async #pump(messages: ConsumerMessages, handler: DeliveryHandler): Promise<void> {
    for await (const msg of messages) {
      const handBack = this.#options.semantics === 'at-least-once';
      if (!(this.#stopping && handBack) && this.#inFlight.size >= this.#options.maxInFlight) {
        await new Promise<void>((resolve) => {
          this.#slotFreed = resolve;
        });
      }
      if (this.#stopping && handBack) {
        // Pulled but never handed to the handler: give it back now rather than after ack_wait.
        settleQuietly(() => msg.nak(), this.#logger);
        continue;
      }
      this.#setWaiting(msg.info.pending);
      const task = this.#handle(msg, handler).finally(() => {
        this.#inFlight.delete(task);
        this.#lastSettledAt = Date.now();
        const freed = this.#slotFreed;
        this.#slotFreed = undefined;
        freed?.();
      });
      this.#inFlight.add(task);
    }
  }

  async #handle(msg: JsMsg, handler: DeliveryHandler): Promise<void> {
    const delivery = toDelivery(msg);
    const log = lazyChild(this.#logger, () => ({ messageId: delivery.messageId, seq: msg.seq, deliveryCount: delivery.deliveryCount }));
    if (this.#options.semantics === 'at-most-once') {
      await this.#handleAtMostOnce(msg, delivery, handler, log);
      return;
    }
    if (delivery.deliveryCount > this.#options.maxDeliveries) {
      await this.#deadLetter(msg, `delivered ${delivery.deliveryCount - 1} times without being settled`, log);
      return;
    }
    // Keep the delivery alive on the server while a slow handler runs, but not forever: a hung
    // handler's message is then redelivered, and dead-lettered after maxDeliveries.
    let keepAliveUntil = Date.now() + MAX_HANDLING_MS;
    delivery.stillHolding = () => {
      keepAliveUntil = Date.now() + MAX_HANDLING_MS;
    };
    const keepAlive = setInterval(
      () => {
        if (Date.now() < keepAliveUntil) settleQuietly(() => msg.working(), log);
        else {
          clearInterval(keepAlive);
          log.warn({ afterMs: MAX_HANDLING_MS }, 'the handler is still running; the message will be redelivered');
        }
      },
      Math.max(100, this.#ackWaitMs / 3),
    );
    let outcome: Outcome;
    try {
      outcome = await handler(delivery);
    } catch (error) {
      log.error({ err: error }, 'the message handler threw; retrying the message');
      outcome = { kind: 'retry', reason: describe(error), delayMs: THROWN_RETRY_DELAY_MS };
    } finally {
      clearInterval(keepAlive);
    }
    switch (outcome.kind) {
      case 'ack':
        // The effect is committed, so the ack is not awaited: waiting for the server to confirm
        // it would hold the in-flight slot for another round trip and buys nothing, since a lost
        // ack only means a redelivery, which the idempotent consumer absorbs.
        await this.#ackSoon(msg, log);
        return;
      case 'retry':
        if (delivery.deliveryCount >= this.#options.maxDeliveries) {
          await this.#deadLetter(msg, `gave up after ${delivery.deliveryCount} deliveries: ${outcome.reason}`, log);
        } else {
          log.warn({ reason: outcome.reason, delayMs: outcome.delayMs }, 'message handling failed; retrying later');
          settleQuietly(() => msg.nak(outcome.delayMs), log);
        }
        return;
      case 'dead-letter':
        await this.#deadLetter(msg, outcome.reason, log);
        return;
    }
  }

  async #handleAtMostOnce(msg: JsMsg, delivery: Delivery, handler: DeliveryHandler, log: Logger): Promise<void> {
    if (delivery.deliveryCount > 1) {
      // Delivered before, to an instance that died before acknowledging it. Probably never
      // handled, but at-most-once promises no redelivery, so it is dropped and counted as lost.
      settleQuietly(() => msg.term(), log);
      log.warn('message lost: it was delivered before to an instance that stopped (at-most-once never redelivers)');
      return;
    }
    // Only once the server confirms the ack may the handler see the message: it cannot come back.
    let acked = false;
    try {
      acked = await msg.ackAck();
    } catch (error) {
      log.warn({ err: describe(error) }, 'the ack was not confirmed');
    }
    if (!acked) {
      log.warn('message lost: its ack was not confirmed, so handling it could duplicate it (at-most-once)');
      return;
    }
    let outcome: Outcome;
    try {
      outcome = await handler(delivery);
    } catch (error) {
      outcome = { kind: 'retry', reason: describe(error), delayMs: 0 };
    }
    if (outcome.kind === 'ack') return;
    // No redelivery in at-most-once: keep a copy for operators instead of silently dropping it.
    await this.#deadLetter(msg, outcome.kind === 'retry' ? `not retried (at-most-once): ${outcome.reason}` : outcome.reason, log, false);
  }

  /** Copies the message to the dead-letter stream, waits for the PubAck, then terminates it. */
  async #deadLetter(msg: JsMsg, reason: string, log: Logger, terminate = true): Promise<void> {
    const { js } = this.#require();
    const headers = natsHeaders();
    for (const [key, values] of msg.headers ?? []) {
      if (key.toLowerCase() === MESSAGE_ID_HEADER.toLowerCase()) continue;
      for (const value of values) headers.append(key, value);
    }
    headers.set(DEAD_LETTER_HEADERS.reason, headerValue(reason));
    headers.set(DEAD_LETTER_HEADERS.subject, msg.subject);
    headers.set(DEAD_LETTER_HEADERS.stream, msg.info.stream);
    headers.set(DEAD_LETTER_HEADERS.sequence, String(msg.seq));
    headers.set(DEAD_LETTER_HEADERS.deliveries, String(msg.info.deliveryCount));
    try {
      await js.publish(this.#options.deadLetterSubject, msg.data, {
        // The original id, so the dead letter is recognisable, and stable across redeliveries:
        // if we crash between the PubAck and term(), the second copy is dropped as a duplicate.
        msgID: header(msg.headers, MESSAGE_ID_HEADER) ?? `${msg.info.stream}-${msg.seq}`,
        headers,
        expect: { streamName: this.#names.deadLetterStream },
        timeout: PUBLISH_TIMEOUT_MS,
      });
    } catch (error) {
      if (terminate) {
        log.error({ err: describe(error), reason }, 'cannot dead-letter the message; retrying it later');
        settleQuietly(() => msg.nak(this.#ackWaitMs), log);
      } else {
        log.error({ err: describe(error), reason }, 'message lost: it could not be dead-lettered (at-most-once)');
      }
      return;
    }
    log.warn({ reason }, 'message dead-lettered');
    if (terminate) settleQuietly(() => msg.term(), log);
  }

  /**
   * Acks (each after its own commit) go out together at the end of this turn of the event loop:
   * the client writes to the socket once per batch instead of once per ack (under a burst, socket
   * writes were the consumer's largest cost). Never before the commit: only handled messages are
   * queued. Resolves once the ack is in the client's buffer, so stopConsuming() still flushes it.
   */
  #ackSoon(msg: JsMsg, log: Logger): Promise<void> {
    this.#acksDue.push({ msg, log });
    this.#acksSent ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        const due = this.#acksDue;
        this.#acksDue = [];
        this.#acksSent = undefined;
        for (const { msg: ackable, log: logger } of due) settleQuietly(() => ackable.ack(), logger);
        resolve();
      });
    });
    return this.#acksSent;
  }

  #setWaiting(pending: number): void {
    this.#waiting = pending;
    this.#waitingAt = Date.now();
  }

  #refreshWaiting(): void {
    const topology = this.#topology;
    if (topology === undefined || this.#refreshingWaiting || !this.#connected) return;
    this.#refreshingWaiting = true;
    topology.jsm.consumers
      .info(this.#names.commandsStream, this.#names.consumer)
      .then(
        (info) => this.#setWaiting(info.num_pending),
        (error: unknown) => this.#logger.debug({ err: describe(error) }, 'cannot read the consumer backlog'),
      )
      .finally(() => {
        this.#refreshingWaiting = false;
      });
  }
}

function toDelivery(msg: JsMsg): Delivery {
  return {
    body: Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength),
    messageId: header(msg.headers, MESSAGE_ID_HEADER),
    deliveryCount: msg.info.deliveryCount,
    traceContext: traceHeadersOf((name) => header(msg.headers, name)),
  };
}

function header(headers: MsgHdrs | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  const key = headers.keys().find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? '' : headers.get(key);
  return value === '' ? undefined : value;
}

/**
 * NATS_URL may list several servers (comma-separated) and carry `user:password@` or `token@`;
 * the client takes credentials as options, not from the URL.
 */
export function serversAndCredentials(url: string): { servers: string[]; user?: string; pass?: string; token?: string } {
  let credentials: { user?: string; pass?: string; token?: string } = {};
  const servers = url.split(',').map((entry) => {
    const server = new URL(entry.trim());
    if (server.username !== '' && credentials.user === undefined && credentials.token === undefined) {
      const name = decodeURIComponent(server.username);
      credentials = server.password === '' ? { token: name } : { user: name, pass: decodeURIComponent(server.password) };
    }
    server.username = '';
    server.password = '';
    return server.host === '' ? entry.trim() : `${server.protocol}//${server.host}`;
  });
  return { servers, ...credentials };
}

/** Header values are one line: no CR/LF, bounded length. */
function headerValue(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1_000);
}

async function upsertStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === STREAM_SUBJECT_OVERLAP) {
      throw new Error(`stream ${config.name}: subjects ${config.subjects?.join(', ')} are already captured by another stream`, { cause: error });
    }
    // The stream exists with another configuration: update what may change.
    if (!(error instanceof JetStreamApiError) || error.code !== STREAM_NAME_IN_USE) throw error;
    try {
      await jsm.streams.update(config.name, config);
    } catch (updateError) {
      throw new Error(`stream ${config.name} exists with a configuration that cannot be updated: ${describe(updateError)}`, {
        cause: updateError,
      });
    }
  }
}

function settleQuietly(settle: () => void, logger: Logger): void {
  try {
    settle();
  } catch (error) {
    // A closed connection: the server redelivers after ack_wait.
    logger.warn({ err: describe(error) }, 'cannot settle the message');
  }
}

async function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
