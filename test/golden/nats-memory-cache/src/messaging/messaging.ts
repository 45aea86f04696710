/**
 * Messaging wiring: the broker, the command consumer and the outbox relay, registered with the
 * lifecycle (readiness, a stall check for liveness, closers in shutdown order).
 */
import type pg from 'pg';
import { SERVICE_NAME, type Config } from '../config.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { orderCommandHandlers } from '../orders/commands.ts';
import type { OutboxSignal } from '../resources/resource-module.ts';
import type { Metrics } from '../http/metrics.ts';
import type { SettingsView } from '../settings/live-settings.ts';
import { traceDeliveries } from '../telemetry/messaging.ts';
import { BROKER_NAME, createBroker } from './create-broker.ts';
import { consumerStallDetector } from './consumer-stall.ts';
import { createCommandConsumer } from './consumer.ts';
import { createMessagingMetrics } from './messaging-metrics.ts';
import { registerOutboxMetrics } from './outbox-metrics.ts';
import { OutboxRelay } from './outbox.ts';

export interface Messaging {
  /** Opens the broker connection and declares the topology; needs no database schema, so it may run beside the migrations. Once only. */
  connect(): Promise<void>;
  /** Connects (if connect() has not) and starts consuming and relaying the outbox. */
  start(): Promise<void>;
  /** Stops taking commands and waits for those in flight to finish and be acknowledged. */
  stopConsuming(): Promise<void>;
  /** A transaction that wrote to the outbox has committed: publish soon. */
  outboxCommitted(): void;
}

/**
 * `settings`: the read-only switch pauses the consumer too (writesEnabled=false holds every
 * command unapplied until writes resume; src/messaging/consumer.ts). `outbox` is signalled by the
 * added resources' transactions that wrote to the outbox.
 */
export function createMessaging(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
  metrics: Metrics,
  pool: pg.Pool,
  settings: SettingsView,
  outbox: OutboxSignal,
): Messaging {
  const { messaging } = config;
  const broker = createBroker({
    url: messaging.url,
    service: SERVICE_NAME,
    commands: messaging.commands,
    events: messaging.events,
    deadLetter: messaging.deadLetter,
    semantics: 'at-least-once',
    maxInFlight: messaging.maxInFlight,
    maxDeliveries: messaging.maxDeliveries,
    logger,
  });
  const relay = new OutboxRelay({ pool, broker, logger, pollMs: messaging.outboxPollMs, batchSize: messaging.outboxBatchSize });
  outbox.listen(() => relay.notify());
  const handlerOptions = { pool, onEventsCommitted: () => relay.notify() };
  // Aborted when consumption stops, so deliveries waiting for an unavailable dependency let go.
  const stopping = new AbortController();
  const consumer = createCommandConsumer({
    // The example's commands and those of each resource added with `microforge add resource`.
    handlers: {
      ...orderCommandHandlers(handlerOptions),
    },
    logger,
    retry: { baseDelayMs: messaging.retryBaseMs, maxDelayMs: messaging.retryMaxMs },
    semantics: 'at-least-once',
    maxDeliveries: messaging.maxDeliveries,
    signal: stopping.signal,
    writesEnabled: () => settings.current().writesEnabled,
  });

  const measured = createMessagingMetrics({ registry: metrics.registry, broker, semantics: 'at-least-once', maxDeliveries: messaging.maxDeliveries });
  registerOutboxMetrics(metrics.registry, pool, logger);
  const stopConsuming = (): Promise<void> => {
    stopping.abort();
    return broker.stopConsuming();
  };
  // Reported in /readyz but not gating it: the HTTP routes serve without the broker (commands
  // wait in the outbox or the broker's queue), and an outage would take every replica out of the
  // Service at once. The adapters log the broker going away and coming back.
  lifecycle.registerCheck({ name: BROKER_NAME, gatesReadiness: false, check: (signal) => broker.ready(signal) });
  lifecycle.registerStallDetector(consumerStallDetector(broker, messaging.stallMs, Date.now, consumer.waitingForDependency));
  // Closers run newest first: stop consuming, stop the relay, then close the connection.
  lifecycle.registerCloser({ name: BROKER_NAME, close: () => broker.close() });
  lifecycle.registerCloser({ name: 'outbox relay', close: () => relay.stop() });
  lifecycle.registerCloser({ name: `${BROKER_NAME} consumer`, close: () => stopConsuming() });

  let connecting: Promise<void> | undefined;
  const connect = () => (connecting ??= broker.connect());
  return {
    connect,
    async start() {
      await connect();
      relay.start();
      await broker.consume(traceDeliveries(measured.measure(consumer), { system: BROKER_NAME, destination: messaging.commands }));
    },
    stopConsuming,
    outboxCommitted: () => relay.notify(),
  };
}
