import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Delivery, Outcome } from '../../src/messaging/broker.ts';
import { currentTraceCarrier, inProducerSpan, traceDeliveries } from '../../src/telemetry/messaging.ts';
import { useTestTracing } from './test-tracing.ts';

const tracing = useTestTracing();
const SENDER = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const delivery = (traceContext: Record<string, string>): Delivery => ({
  body: Buffer.from('{}'),
  messageId: 'm-1',
  deliveryCount: 2,
  traceContext,
});

describe('traceDeliveries', () => {
  beforeEach(() => tracing.spans.reset());

  it("handles each delivery in a CONSUMER span that continues the sender's trace", async () => {
    let activeDuringHandling: string | undefined;
    const handler = traceDeliveries(
      async (): Promise<Outcome> => {
        activeDuringHandling = trace.getActiveSpan()?.spanContext().traceId;
        return { kind: 'ack' };
      },
      { system: 'rabbitmq', destination: 'svc.item.commands' },
    );
    assert.deepEqual(await handler(delivery({ traceparent: `00-${SENDER.traceId}-${SENDER.spanId}-01` })), { kind: 'ack' });
    const [span] = tracing.spans.getFinishedSpans();
    assert.equal(span?.name, 'process svc.item.commands');
    assert.equal(span?.kind, SpanKind.CONSUMER);
    assert.equal(span?.spanContext().traceId, SENDER.traceId);
    assert.equal(span?.parentSpanContext?.spanId, SENDER.spanId);
    assert.equal(span?.attributes['messaging.system'], 'rabbitmq');
    assert.equal(span?.attributes['messaging.message.id'], 'm-1');
    assert.equal(span?.attributes['messaging.outcome'], 'ack');
    assert.equal(activeDuringHandling, SENDER.traceId);
  });

  it('marks a delivery that is not acknowledged as an error, and starts a trace for an untraced one', async () => {
    const handler = traceDeliveries(async () => ({ kind: 'dead-letter', reason: 'poison' }), { system: 'nats', destination: 'commands' });
    await handler(delivery({}));
    const [span] = tracing.spans.getFinishedSpans();
    assert.deepEqual(span?.status, { code: SpanStatusCode.ERROR, message: 'poison' });
    assert.equal(span?.parentSpanContext, undefined);
  });
});

describe('inProducerSpan', () => {
  beforeEach(() => tracing.spans.reset());

  it('publishes in a PRODUCER span of the stored trace, and hands the consumer that span', async () => {
    let sent: Record<string, string> = {};
    await inProducerSpan({ traceparent: `00-${SENDER.traceId}-${SENDER.spanId}-01` }, 'item.adjusted', {}, async (traceContext) => {
      sent = { ...traceContext };
    });
    const [span] = tracing.spans.getFinishedSpans();
    assert.equal(span?.kind, SpanKind.PRODUCER);
    assert.equal(span?.name, 'send item.adjusted');
    assert.equal(span?.parentSpanContext?.spanId, SENDER.spanId);
    assert.equal(sent.traceparent, `00-${SENDER.traceId}-${span?.spanContext().spanId}-01`);
  });

  it('records a failed publish on its span and rethrows', async () => {
    await assert.rejects(
      inProducerSpan(null, 'commands', {}, async () => {
        throw new Error('no confirm');
      }),
      /no confirm/,
    );
    assert.equal(tracing.spans.getFinishedSpans()[0]?.status.code, SpanStatusCode.ERROR);
  });

  it('carries nothing when nothing is traced', () => {
    assert.deepEqual(currentTraceCarrier(), {});
  });
});
