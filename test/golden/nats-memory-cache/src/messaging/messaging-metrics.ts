/**
 * Metrics for what fails in messaging: every delivery counted by outcome (done, duplicate,
 * retried, dead_lettered) with its processing time, whether the broker answers, and the
 * consumer's progress (waiting, in flight, last settled), which is what a stall alert needs.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Broker, Delivery, DeliveryHandler, DeliverySemantics, Outcome } from './broker.ts';

export type ProcessedOutcome = 'done' | 'duplicate' | 'retried' | 'dead_lettered';

export interface MessagingMetricsOptions {
  registry: Registry;
  broker: Pick<Broker, 'ready' | 'progress'>;
  semantics: DeliverySemantics;
  /** The broker's delivery limit: a retry asked for on the last delivery is a dead letter. */
  maxDeliveries: number;
  /** Longest the broker check of a scrape may take. */
  brokerCheckTimeoutMs?: number;
}

/** What happens to a delivery given the handler's outcome: the adapter settles it that way. */
export function processedOutcome(outcome: Outcome, delivery: Pick<Delivery, 'deliveryCount'>, semantics: DeliverySemantics, maxDeliveries: number): ProcessedOutcome {
  if (outcome.kind === 'ack') return outcome.duplicate === true ? 'duplicate' : 'done';
  if (outcome.kind === 'dead-letter') return 'dead_lettered';
  // At-most-once never redelivers: a failed command is copied to the dead-letter queue instead.
  return semantics === 'at-most-once' || delivery.deliveryCount >= maxDeliveries ? 'dead_lettered' : 'retried';
}

export interface MessagingMetrics {
  /** Wraps the consumer so each delivery is counted and timed. */
  measure(handler: DeliveryHandler): DeliveryHandler;
}

export function createMessagingMetrics(options: MessagingMetricsOptions): MessagingMetrics {
  const { registry, broker, semantics, maxDeliveries } = options;
  const processed = new Counter({
    name: 'messaging_messages_processed_total',
    help: 'Commands processed, by outcome: done, duplicate (applied before), retried, dead_lettered',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'messaging_processing_duration_seconds',
    help: 'Time from handing a command to its handler to its outcome, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // Zero from the start, so rate() and increase() see the first failure.
  for (const outcome of ['done', 'duplicate', 'retried', 'dead_lettered'] as const) processed.inc({ outcome }, 0);

  const timeoutMs = options.brokerCheckTimeoutMs ?? 1_000;
  new Gauge({
    name: 'messaging_broker_up',
    help: 'Whether the broker is connected and answering (1) or not (0), checked at each scrape',
    registers: [registry],
    async collect() {
      const up = await broker.ready(AbortSignal.timeout(timeoutMs)).then(
        () => 1,
        () => 0,
      );
      this.set(up);
    },
  });
  new Gauge({
    name: 'messaging_consumer_waiting_messages',
    help: 'Commands waiting in the queue or stream for this consumer, as the broker last reported',
    registers: [registry],
    collect() {
      const { waiting } = broker.progress();
      if (waiting !== undefined) this.set(waiting);
    },
  });
  new Gauge({
    name: 'messaging_consumer_in_flight_messages',
    help: 'Commands handed to this replica and not settled yet',
    registers: [registry],
    collect() {
      this.set(broker.progress().inFlight);
    },
  });
  new Gauge({
    name: 'messaging_consumer_last_settled_timestamp_seconds',
    help: 'When this replica last settled a command (or became busy after a quiet spell), Unix seconds',
    registers: [registry],
    collect() {
      this.set(broker.progress().lastSettledAt / 1000);
    },
  });

  return {
    measure(handler) {
      return async (delivery) => {
        const stopTimer = duration.startTimer();
        const outcome = await handler(delivery);
        const label = processedOutcome(outcome, delivery, semantics, maxDeliveries);
        processed.inc({ outcome: label });
        stopTimer({ outcome: label });
        return outcome;
      };
    },
  };
}
