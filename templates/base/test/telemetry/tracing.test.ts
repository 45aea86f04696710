import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { samplerFromEnv } from '../../src/telemetry/sampler.ts';
import { startTracing, tracingEnabled, TracingConfigError } from '../../src/telemetry/tracing.ts';
import { traceLogFields } from '../../src/telemetry/log-fields.ts';
import { useTestTracing } from './test-tracing.ts';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

describe('tracingEnabled', () => {
  it('is off without an endpoint, so nothing is loaded or exported', () => {
    assert.equal(tracingEnabled({}), false);
    assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }), false);
  });

  it('is on with an endpoint, for all signals or for traces only', () => {
    assert.equal(tracingEnabled(ENDPOINT), true);
    assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
  });

  it('is off when the SDK is disabled or the traces exporter is none', () => {
    assert.equal(tracingEnabled({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' }), false);
    assert.equal(tracingEnabled({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' }), false);
    assert.equal(tracingEnabled({ ...ENDPOINT, OTEL_SDK_DISABLED: 'false' }), true);
  });
});

describe('startTracing', () => {
  it('returns a no-op without an endpoint', async () => {
    const tracing = await startTracing({});
    assert.equal(tracing.enabled, false);
    await tracing.shutdown();
  });

  it('refuses an exporter protocol it cannot speak, naming the variable', async () => {
    await assert.rejects(startTracing({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), (error: unknown) => {
      assert.ok(error instanceof TracingConfigError);
      assert.match(error.message, /OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported/);
      return true;
    });
  });

  it('refuses a batch setting that is not a positive integer', async () => {
    await assert.rejects(startTracing({ ...ENDPOINT, OTEL_BSP_SCHEDULE_DELAY: 'soon' }), /OTEL_BSP_SCHEDULE_DELAY must be a positive integer/);
  });
});

describe('samplerFromEnv', () => {
  it("follows the caller's decision by default", () => {
    assert.match(samplerFromEnv({}).toString(), /ParentBased\{root=AlwaysOnSampler/);
  });

  it('builds the ratio samplers from OTEL_TRACES_SAMPLER_ARG', () => {
    assert.match(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString(), /TraceIdRatioBased\{0.25\}/);
    assert.match(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }).toString(), /AlwaysOffSampler/);
  });

  it('refuses unknown samplers and ratios outside 0..1', () => {
    assert.throws(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' }), TracingConfigError);
    assert.throws(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }), /from 0 to 1/);
  });
});

describe('traceLogFields', () => {
  it("adds the active span's ids to log lines, and nothing outside a span", () => {
    const { tracer } = useTestTracing();
    assert.deepEqual(traceLogFields(), {});
    tracer.startActiveSpan('work', (span) => {
      assert.deepEqual(traceLogFields(), { trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
      span.end();
    });
    assert.equal(trace.getSpan(context.active()), undefined);
  });

  it("returns a new object each time, since pino merges the log call's fields into it", () => {
    assert.notEqual(traceLogFields(), traceLogFields());
  });
});
