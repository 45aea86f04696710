import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ConsumerProgress, Delivery, Outcome } from '../../src/messaging/broker.ts';
import { createMessagingMetrics, processedOutcome } from '../../src/messaging/messaging-metrics.ts';

const delivery = (deliveryCount: number): Delivery => ({ body: Buffer.from('{}'), messageId: 'm', deliveryCount });
const retry: Outcome = { kind: 'retry', reason: 'database unavailable', delayMs: 10 };

describe('processedOutcome', () => {
  it('names what happens to the delivery', () => {
    assert.equal(processedOutcome({ kind: 'ack' }, delivery(1), 'at-least-once', 5), 'done');
    assert.equal(processedOutcome({ kind: 'ack', duplicate: true }, delivery(2), 'at-least-once', 5), 'duplicate');
    assert.equal(processedOutcome({ kind: 'dead-letter', reason: 'poison' }, delivery(1), 'at-least-once', 5), 'dead_lettered');
    assert.equal(processedOutcome(retry, delivery(4), 'at-least-once', 5), 'retried');
  });

  it('counts a retry on the last delivery, or under at-most-once, as a dead letter', () => {
    assert.equal(processedOutcome(retry, delivery(5), 'at-least-once', 5), 'dead_lettered');
    assert.equal(processedOutcome(retry, delivery(1), 'at-most-once', 5), 'dead_lettered');
  });
});

describe('createMessagingMetrics', () => {
  const progress: ConsumerProgress = { inFlight: 2, lastSettledAt: 1_700_000_000_000, waiting: 7 };

  async function scrape(brokerUp: boolean, outcomes: Outcome[]): Promise<string> {
    const registry = new Registry();
    const metrics = createMessagingMetrics({
      registry,
      broker: { ready: async () => (brokerUp ? undefined : Promise.reject(new Error('not connected'))), progress: () => progress },
      semantics: 'at-least-once',
      maxDeliveries: 5,
    });
    let next = 0;
    const handler = metrics.measure(async () => outcomes[next++] ?? { kind: 'ack' });
    for (let index = 0; index < outcomes.length; index += 1) await handler(delivery(1));
    return registry.metrics();
  }

  it('counts and times deliveries by outcome, every outcome present from the start', async () => {
    const text = await scrape(true, [{ kind: 'ack' }, { kind: 'ack' }, { kind: 'ack', duplicate: true }, { kind: 'dead-letter', reason: 'poison' }]);
    assert.match(text, /^messaging_messages_processed_total\{outcome="done"\} 2$/m);
    assert.match(text, /^messaging_messages_processed_total\{outcome="duplicate"\} 1$/m);
    assert.match(text, /^messaging_messages_processed_total\{outcome="dead_lettered"\} 1$/m);
    assert.match(text, /^messaging_messages_processed_total\{outcome="retried"\} 0$/m);
    assert.match(text, /^messaging_processing_duration_seconds_count\{outcome="done"\} 2$/m);
  });

  it("reports the broker connection and the consumer's progress at scrape time", async () => {
    assert.match(await scrape(true, []), /^messaging_broker_up 1$/m);
    const down = await scrape(false, []);
    assert.match(down, /^messaging_broker_up 0$/m);
    assert.match(down, /^messaging_consumer_waiting_messages 7$/m);
    assert.match(down, /^messaging_consumer_in_flight_messages 2$/m);
    assert.match(down, /^messaging_consumer_last_settled_timestamp_seconds 1700000000$/m);
  });
});
