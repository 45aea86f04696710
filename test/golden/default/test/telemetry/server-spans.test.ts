import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { beforeEach, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { pino } from 'pino';
import { traceLogFields } from '../../src/telemetry/log-fields.ts';
import { testApp } from '../helpers.ts';
import { useTestTracing } from './test-tracing.ts';

const tracing = useTestTracing();
const caller = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const traceparent = `00-${caller.traceId}-${caller.spanId}-01`;

/** A logger like src/logger.ts's (the trace mixin), writing its lines into an array. */
function capturingLogger(): { logger: ReturnType<typeof pino>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info', mixin: traceLogFields }, sink), lines };
}

describe('the HTTP server span', () => {
  beforeEach(() => tracing.spans.reset());

  it("continues the caller's traceparent, named by route, and the request's log line carries its ids", async () => {
    const { logger, lines } = capturingLogger();
    const app = await testApp({ traced: true, logger });
    const response = await app.inject({ method: 'GET', url: '/no/such/route?x=1', headers: { traceparent } });
    assert.equal(response.statusCode, 404);
    const [span, ...others] = tracing.spans.getFinishedSpans();
    assert.deepEqual(others, []);
    assert.ok(span);
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.name, 'GET unmatched');
    assert.equal(span.spanContext().traceId, caller.traceId);
    assert.equal(span.parentSpanContext?.spanId, caller.spanId);
    assert.equal(span.attributes['url.path'], '/no/such/route');
    assert.equal(span.attributes['http.response.status_code'], 404);
    const completed = lines.find((line) => line.msg === 'request completed');
    assert.deepEqual({ trace_id: completed?.trace_id, span_id: completed?.span_id }, { trace_id: caller.traceId, span_id: span.spanContext().spanId });
    await app.close();
  });

  it('leaves the probes and /metrics untraced: they are polled, not requested', async () => {
    const app = await testApp({ traced: true });
    for (const url of ['/livez', '/readyz', '/startupz', '/metrics']) await app.inject({ method: 'GET', url, headers: { traceparent } });
    assert.deepEqual(tracing.spans.getFinishedSpans(), []);
    await app.close();
  });

  it('is not there without tracing: no hook, no span', async () => {
    const app = await testApp();
    await app.inject({ method: 'GET', url: '/no/such/route', headers: { traceparent } });
    assert.deepEqual(tracing.spans.getFinishedSpans(), []);
    await app.close();
  });
});
