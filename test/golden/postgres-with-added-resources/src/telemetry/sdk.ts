/**
 * The OpenTelemetry SDK: a tracer provider with a batching OTLP exporter (http/protobuf, the
 * default, or http/json), the sampler and resource from OTEL_* variables, W3C trace context
 * propagation and an AsyncLocalStorage context. The instrumented libraries are bundled into
 * dist/, where require hooks never see them, so each instrumentation patches the module object
 * the bundle itself imports (instrumentations.ts) instead of waiting for a require().
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, envDetector, detectResources, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type BatchSpanProcessorOptions, type SpanExporter } from '@opentelemetry/sdk-trace';
import { SERVICE_NAME } from '../config.ts';
import { LIBRARY_INSTRUMENTATIONS } from './instrumentations.ts';
import { samplerFromEnv } from './sampler.ts';
import { logSdkProblems } from './sdk-diagnostics.ts';
import { TracingConfigError, type Tracing } from './tracing.ts';

type Env = Readonly<Record<string, string | undefined>>;

function exporterFromEnv(env: Env): SpanExporter {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (protocol === 'http/protobuf') return new OtlpProtobufTraceExporter();
  if (protocol === 'http/json') return new OtlpJsonTraceExporter();
  throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL ${JSON.stringify(protocol)} is not supported: use http/protobuf or http/json`);
}

function positiveInteger(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new TracingConfigError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** OTEL_BSP_*: how often and how much the span processor exports (the SDK's defaults otherwise). */
function batchOptionsFromEnv(env: Env): Omit<BatchSpanProcessorOptions, 'exporter'> {
  const options = {
    scheduledDelayMillis: positiveInteger('OTEL_BSP_SCHEDULE_DELAY', env.OTEL_BSP_SCHEDULE_DELAY),
    exportTimeoutMillis: positiveInteger('OTEL_BSP_EXPORT_TIMEOUT', env.OTEL_BSP_EXPORT_TIMEOUT),
    maxQueueSize: positiveInteger('OTEL_BSP_MAX_QUEUE_SIZE', env.OTEL_BSP_MAX_QUEUE_SIZE),
    maxExportBatchSize: positiveInteger('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

export function startTracingSdk(env: Env): Tracing {
  const exporter = exporterFromEnv(env);
  const sampler = samplerFromEnv(env);
  const provider = new TracerProvider({
    sampler,
    // OTEL_RESOURCE_ATTRIBUTES adds attributes; OTEL_SERVICE_NAME renames the service.
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || SERVICE_NAME })),
    spanProcessors: [new BatchSpanProcessor({ exporter, ...batchOptionsFromEnv(env) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  for (const instrument of LIBRARY_INSTRUMENTATIONS) instrument(provider);
  return { enabled: true, shutdown: () => provider.shutdown(), reportProblemsTo: logSdkProblems };
}
