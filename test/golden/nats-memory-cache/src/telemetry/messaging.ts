/**
 * Traces across the broker. The trace context travels as W3C headers (traceparent, tracestate)
 * on every message, and in the outbox row that becomes a message, so one trace runs from the
 * HTTP request that accepted a command, through the outbox and the broker, to the consumer that
 * applies it. Without tracing the carriers are empty and the spans are no-ops.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { SERVICE_NAME } from '../config.ts';
import type { Delivery, DeliveryHandler, Outcome, TraceCarrier } from '../messaging/broker.ts';

const tracer = trace.getTracer(SERVICE_NAME);

/** The active trace context as message headers; empty when nothing is being traced. */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The propagation headers of a received message, read with the broker's own header lookup. */
export function traceHeadersOf(header: (name: string) => unknown): TraceCarrier {
  const carrier: Record<string, string> = {};
  for (const field of propagation.fields()) {
    const value = header(field);
    if (typeof value === 'string') carrier[field] = value;
  }
  return carrier;
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * A PRODUCER span for one publish, continuing `stored` (the context saved with an outbox row)
 * or else the active one; `send` gets the headers that carry this span to the consumer.
 */
export async function inProducerSpan(
  stored: TraceCarrier | null | undefined,
  destination: string,
  attributes: Attributes,
  send: (traceContext: TraceCarrier) => Promise<void>,
): Promise<void> {
  const parent = stored ? propagation.extract(ROOT_CONTEXT, stored) : context.active();
  await tracer.startActiveSpan(
    `send ${destination}`,
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.operation.type': 'send', 'messaging.destination.name': destination, ...attributes } },
    parent,
    async (span) => {
      try {
        await send(currentTraceCarrier());
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs each delivery in a CONSUMER span that continues the trace its headers carry, so the
 * handler's queries and log lines belong to the trace of whoever sent the command.
 */
export function traceDeliveries(handler: DeliveryHandler, options: { system: string; destination: string }): DeliveryHandler {
  const name = `process ${options.destination}`;
  return (delivery: Delivery) =>
    tracer.startActiveSpan(
      name,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': options.system,
          'messaging.operation.type': 'process',
          'messaging.destination.name': options.destination,
          ...(delivery.messageId === undefined ? {} : { 'messaging.message.id': delivery.messageId }),
          'messaging.delivery_count': delivery.deliveryCount,
        },
      },
      propagation.extract(ROOT_CONTEXT, delivery.traceContext),
      async (span): Promise<Outcome> => {
        try {
          const outcome = await handler(delivery);
          span.setAttribute('messaging.outcome', outcome.kind);
          if (outcome.kind !== 'ack') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
          return outcome;
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
}
