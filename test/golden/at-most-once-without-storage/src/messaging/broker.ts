/**
 * What the service needs from a message broker, whichever it is. Adapters (RabbitMQ, NATS
 * JetStream) implement it; the consumer, the outbox relay, probes and shutdown use only this.
 * The delivery semantics are the adapter's job because only it knows when an ack happens.
 */

export type DeliverySemantics = 'at-least-once' | 'at-most-once';

/** W3C trace context headers (traceparent, tracestate) of a message; empty when untraced. */
export type TraceCarrier = Readonly<Record<string, string>>;

/** One delivery as the broker handed it over, before the body is parsed. */
export interface Delivery {
  body: Buffer;
  /** AMQP messageId / Nats-Msg-Id; undefined when the publisher set none. */
  messageId: string | undefined;
  /** 1 on the first delivery, counting redeliveries where the broker tells. */
  deliveryCount: number;
  /** The sender's trace context, from the message headers. */
  traceContext?: TraceCarrier;
  /**
   * The handler is holding the delivery on purpose (consumption is paused, it is not hung): the
   * adapter keeps it from being redelivered for another handling period. Absent where the
   * broker has no such limit of its own.
   */
  stillHolding?(): void;
}

/** What the consumer decided; at-least-once adapters settle the delivery accordingly. */
export type Outcome =
  /** duplicate: the command was applied before (its id is in the inbox); acknowledged all the same. */
  { kind: 'ack'; duplicate?: true } | { kind: 'retry'; reason: string; delayMs: number } | { kind: 'dead-letter'; reason: string };

export type DeliveryHandler = (delivery: Delivery) => Promise<Outcome>;

/** An event or command to publish; resolves only once the broker has confirmed it. */
export interface OutboundMessage {
  /** Routing key (RabbitMQ topic exchange) or subject suffix (NATS). */
  topic: string;
  id: string;
  type: string;
  data: unknown;
  /** Sent as message headers, so the consumer's span continues this trace (the messages' correlation). */
  traceContext?: TraceCarrier;
}

/** A command for this service's own queue (e.g. accepted over HTTP, worked off by a consumer). */
export type OutboundCommand = Omit<OutboundMessage, 'topic'>;

export interface ConsumerProgress {
  /** Deliveries handed to the handler and not settled yet. */
  inFlight: number;
  /** Epoch ms of the last settled delivery (or of the consumer's start). */
  lastSettledAt: number;
  /** Messages waiting in the queue/stream for this consumer, when the broker says (undefined otherwise). */
  waiting: number | undefined;
}

export interface Broker {
  /** Connects (retrying with backoff) and declares the topology: queues/streams, dead-letter, events. */
  connect(): Promise<void>;
  /** Starts delivering commands to the handler with bounded concurrency (prefetch / max-ack-pending). */
  consume(handler: DeliveryHandler): Promise<void>;
  /** Stops taking new deliveries and waits for in-flight ones to settle. */
  stopConsuming(): Promise<void>;
  /** Publishes an event; resolves once the broker confirmed it. */
  publish(message: OutboundMessage): Promise<void>;
  /** Sends a command to the queue/subject this service consumes; resolves once confirmed. */
  sendCommand(command: OutboundCommand): Promise<void>;
  /** Resolves when the broker can consume and publish right now; rejects otherwise. */
  ready(signal: AbortSignal): Promise<void>;
  progress(): ConsumerProgress;
  close(): Promise<void>;
  /**
   * Removes the queues/streams and exchange this broker declared. Optional; for tests that use
   * names of their own and must leave nothing behind.
   */
  deleteTopology?(): Promise<void>;
}
