/**
 * trace_id and span_id of the active span on every log line (a pino mixin), so a log search by
 * trace id finds what the trace shows. Without tracing there is no active span and nothing is added.
 */
import { context, trace } from '@opentelemetry/api';

export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(context.active());
  // A new object every time: pino merges the log call's fields into what the mixin returns.
  if (span === undefined) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}
