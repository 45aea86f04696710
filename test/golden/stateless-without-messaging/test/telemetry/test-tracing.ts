/**
 * Tracing inside a test process, as src/telemetry/sdk.ts sets it up in production (W3C
 * propagation, an AsyncLocalStorage context), with finished spans kept in memory to assert on.
 * Installed once per process: the OpenTelemetry API keeps its first global registration.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export interface TestTracing {
  tracer: Tracer;
  spans: InMemorySpanExporter;
}

let installed: TestTracing | undefined;

export function useTestTracing(): TestTracing {
  if (installed) return installed;
  const spans = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  installed = { tracer: provider.getTracer('test'), spans };
  return installed;
}
