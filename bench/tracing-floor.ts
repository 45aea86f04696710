/**
 * What the OpenTelemetry SDK alone costs per traced GET /items/:id, outside any service: the spans
 * the service makes (the server span with the attributes server-spans.ts sets and, when the read
 * goes to Redis, the client span with those of instrumentation-ioredis) started, ended and queued
 * by the same BatchSpanProcessor, then encoded by the OTLP protobuf serializer the default
 * exporter uses, in batches of its default size. Measured for a read with and without its Redis
 * span (concurrent reads of one id share one Redis read, so under load most have none), in the
 * generated repo (its own SDK packages), on the services' Node, pinned to the service's core, as
 * CPU time. No HTTP, no context propagation, no instrumentation wrapper, no export write: a
 * floor, below what any service using this SDK can pay per traced request.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, serviceNodeBinary, serviceNodeEnv } from './environment.js';
import { pinned, SERVICE_CPU } from './pinning.js';

/** CPU µs per traced read of one shape. */
export interface SpanCosts {
  /** Starting and ending its spans, the batch processor's share included. */
  spansMicros: number;
  /** Encoding them as OTLP protobuf, in batches of 512 spans. */
  encodingMicros: number;
}

export interface TracingFloor {
  serverSpanOnly: SpanCosts;
  withRedisSpan: SpanCosts;
}

/** The floor per request when `redisShare` of the requests (0 to 1) also made a Redis span. */
export function floorMicros(floor: TracingFloor, redisShare: number): number {
  const cost = (shape: SpanCosts) => shape.spansMicros + shape.encodingMicros;
  return cost(floor.serverSpanOnly) + redisShare * (cost(floor.withRedisSpan) - cost(floor.serverSpanOnly));
}

const FLOOR_SCRIPT = String.raw`
import { AlwaysOnSampler, BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';

let lastBatch = [];
let exported = 0;
const exporter = { export(spans, done) { if (spans.length === 512) lastBatch = spans; exported += spans.length; done({ code: 0 }); }, shutdown: async () => {}, forceFlush: async () => {} };
const provider = new TracerProvider({
  sampler: new AlwaysOnSampler(),
  resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'bench-tracing' })),
  spanProcessors: [new BatchSpanProcessor({ exporter })],
});
const server = provider.getTracer('http-server');
const redis = provider.getTracer('@opentelemetry/instrumentation-ioredis', '0.0.0');
const id = crypto.randomUUID();

function tracedRead(withRedisSpan) {
  const span = server.startSpan('GET /items/:id', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET', 'http.route': '/items/:id', 'url.path': '/items/' + id, 'url.scheme': 'http',
      'network.protocol.version': '1.1', 'client.address': '127.0.0.1', 'user_agent.original': undefined,
    },
  }, ROOT_CONTEXT);
  if (withRedisSpan) {
    redis.startSpan('get', {
      kind: SpanKind.CLIENT,
      attributes: { 'db.operation.name': 'get', 'db.system.name': 'redis', 'db.query.text': 'get items:' + id, 'server.address': '127.0.0.1', 'server.port': 6379 },
    }, trace.setSpan(ROOT_CONTEXT, span)).end();
  }
  span.setAttribute('http.response.status_code', 200);
  span.end();
}

/** CPU µs per call of work(calls), over at least minCpuMs of CPU. */
function cpuMicrosPer(work, calls, minCpuMs) {
  let spent = 0;
  let done = 0;
  while (spent < minCpuMs * 1000) {
    const before = process.cpuUsage();
    work(calls);
    const used = process.cpuUsage(before);
    spent += used.user + used.system;
    done += calls;
  }
  return spent / done;
}

// The processor exports when a batch is full and counts the export done a microtask later: a turn
// of the event loop every 128 requests, as under load, or it would drop what overflows its queue.
async function readsWithTurns(total, withRedisSpan) {
  for (let i = 0; i < total; i += 128) {
    for (let j = 0; j < 128; j++) tracedRead(withRedisSpan);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function costs(withRedisSpan) {
  const spansPerRead = withRedisSpan ? 2 : 1;
  const exportedBefore = exported;
  await readsWithTurns(100_096, withRedisSpan); // warm-up: JIT, and a full batch to encode
  let spent = 0;
  for (let round = 0; round < 10; round++) {
    const before = process.cpuUsage();
    await readsWithTurns(19_968, withRedisSpan);
    const used = process.cpuUsage(before);
    spent += used.user + used.system;
  }
  await provider.forceFlush();
  // Spans dropped for a full queue would cost less than spans exported: the floor counts only the latter.
  if (exported - exportedBefore !== spansPerRead * (100_096 + 10 * 19_968)) throw new Error('the batch processor dropped spans');
  const batch = lastBatch;
  const encode = (count) => { for (let i = 0; i < count; i++) ProtobufTraceSerializer.serializeRequest(batch); };
  cpuMicrosPer(encode, 10, 300); // warm-up
  return { spansMicros: spent / 199_680, encodingMicros: cpuMicrosPer(encode, 20, 1_500) / (batch.length / spansPerRead) };
}

const serverSpanOnly = await costs(false);
const withRedisSpan = await costs(true);
await provider.shutdown();
process.stdout.write(JSON.stringify({ serverSpanOnly, withRedisSpan }) + '\n');
`;

/** Measures the floor once, in `repo` (a generated repo with tracing, installed). */
export async function measureTracingFloor(repo: string): Promise<TracingFloor> {
  const script = join(repo, 'bench-tracing-floor.mjs');
  await writeFile(script, FLOOR_SCRIPT);
  const [command, args] = pinned(SERVICE_CPU, serviceNodeBinary(), [script]);
  const output = await run(command, args, { cwd: repo, env: serviceNodeEnv() });
  return JSON.parse(output.trim().split('\n').at(-1)!) as TracingFloor;
}
