/**
 * `npm run bench -- --only tracing`: what OpenTelemetry costs the generated service
 * (PostgreSQL, Redis cache). Two instances of one build: tracing off (no OTEL_* variables, the
 * default) and tracing on (every request sampled, spans exported over OTLP/HTTP protobuf to a
 * receiver in a process of its own on the load generator's core, which reads and discards
 * them: otlp-sink.ts). GET /items/:id (a server span, and a Redis span for each read that goes
 * to Redis: concurrent reads of one id share one, so under this load most do not) and /livez
 * (untraced by design) under the same load (wrk, see load.ts), with the service's own CPU per
 * request, and start-up time to ready, each the median of rounds taken in turn with paired
 * per-round ratios. Beside them, what the SDK alone costs per traced request (tracing-floor.ts),
 * against the CPU the 0.8x target leaves for tracing.
 */
import { randomBytes } from 'node:crypto';
import { CONNECTIONS, LOAD_SECONDS, LOAD_THREADS, loadSeries, measureLoad, requireWrk, type Load } from './load.js';
import { startOtlpSink } from './otlp-sink.js';
import { floorMicros, measureTracingFloor, type TracingFloor } from './tracing-floor.js';
import { pinningAvailable, pinningNote } from './pinning.js';
import { prepareService } from './prepare.js';
import { roundsResult, type BenchSection } from './result.js';
import { httpRequest, PG, psql, REDIS_URL, start, type Running } from './service.js';
import { formatSpan } from './stats.js';

/** The throughput the issue asks of tracing on, against tracing off. */
const TARGET_THROUGHPUT_RATIO = 0.8;
/** Longer than the batch processor's default schedule (OTEL_BSP_SCHEDULE_DELAY, 5 s). */
const EXPORT_SETTLE_MS = 6_000;

type Mode = 'off' | 'on';

export async function runTracingBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  const { log } = options;
  requireWrk();
  const { directory, runtimeEnv } = await prepareService({ storage: 'postgres', cache: 'redis', messaging: 'none', broker: null }, log);
  const sink = await startOtlpSink();
  const database = `microforge_bench_tracing_${process.pid}_${randomBytes(3).toString('hex')}`;
  await psql(`CREATE DATABASE ${database}`);
  const envFor = (mode: Mode): Record<string, string> => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    ...runtimeEnv,
    DATABASE_URL: `postgres://${PG.user}@${PG.host}:${PG.port}/${database}`,
    REDIS_URL,
    ...(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER: 'always_on', OTEL_SERVICE_NAME: 'bench-tracing' } : {}),
  });
  const startService = (mode: Mode) => start({ key: `tracing-${mode}`, label: `tracing ${mode}`, cwd: directory, script: 'dist/main.js', env: envFor(mode) });
  const running: Running[] = [];
  try {
    // Start-up: fresh processes in turn, stopped at once.
    const startups: Record<Mode, number[]> = { off: [], on: [] };
    for (let round = 0; round < Math.max(3, options.rounds); round++) {
      for (const mode of ['off', 'on'] as const) {
        const service = await startService(mode);
        startups[mode].push(service.startupMs);
        await service.stop();
      }
    }
    const services = { off: await startService('off'), on: await startService('on') };
    running.push(services.off, services.on);
    const created = await httpRequest(`${services.off.baseUrl}/items`, 'POST', { name: 'bench', quantity: 1 });
    if (created.status !== 201) throw new Error(`POST /items answered ${created.status}: ${created.text}`);
    const path = `/items/${(JSON.parse(created.text) as { id: string }).id}`;
    const urlOf = (mode: Mode, target: 'byId' | 'livez') => `${services[mode].baseUrl}${target === 'byId' ? path : '/livez'}`;
    // Warm-up: JIT, connection pools, the cache and the exporter; discarded.
    for (const mode of ['off', 'on'] as const) await measureLoad(urlOf(mode, 'byId'), services[mode].child.pid, 2);
    const loads: Record<Mode, { byId: Load[]; livez: Load[] }> = { off: { byId: [], livez: [] }, on: { byId: [], livez: [] } };
    const floors: TracingFloor[] = [];
    // The spans of the warm-up are exported by now (the processor's 5 s schedule at the latest).
    await new Promise((resolve) => setTimeout(resolve, EXPORT_SETTLE_MS));
    const before = await sink.counts();
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        loads[mode].byId.push(await measureLoad(urlOf(mode, 'byId'), services[mode].child.pid));
        loads[mode].livez.push(await measureLoad(urlOf(mode, 'livez'), services[mode].child.pid));
      }
      floors.push(await measureTracingFloor(directory));
      log(`tracing: load round ${round}/${options.rounds} done`);
    }
    await new Promise((resolve) => setTimeout(resolve, EXPORT_SETTLE_MS));
    const received = await sink.counts();
    if (received.requests === 0) throw new Error('tracing on exported nothing to the receiver');
    const tracedRequests = loads.on.byId.reduce((sum, load) => sum + load.requests, 0);
    const serverSpans = received.serverSpans - before.serverSpans;
    const childSpans = received.spans - before.spans - serverSpans;
    const byId = { off: loadSeries(loads.off.byId), on: loadSeries(loads.on.byId) };
    const livez = { off: loadSeries(loads.off.livez), on: loadSeries(loads.on.livez) };
    const redisShare = childSpans / serverSpans;
    const floorsMicros = floors.map((floor) => floorMicros(floor, redisShare));
    // Throughput follows CPU per request here (the service's core is the bottleneck): 0.8x leaves
    // tracing a quarter of tracing off's CPU per request.
    const allowedMicros = byId.off.cpuMicrosPerRequest.map((cpu) => cpu * (1 / TARGET_THROUGHPUT_RATIO - 1));
    const ceilings = byId.off.cpuMicrosPerRequest.map((cpu, index) => cpu / (cpu + floorsMicros[index]!));
    const errors = (mode: Mode) => [...loads[mode].byId, ...loads[mode].livez].reduce((sum, load) => sum + load.errors, 0);
    return {
      title: 'Tracing: OpenTelemetry on (100 % sampled, OTLP/HTTP to a local receiver) vs off, same build',
      results: [
        roundsResult({ name: 'tracing on: GET /items/:id throughput vs off', unit: 'req/s', values: byId.on.requestsPerSecond, baselines: byId.off.requestsPerSecond, target: TARGET_THROUGHPUT_RATIO }),
        roundsResult({ name: 'tracing on: service CPU per GET /items/:id vs off', unit: 'µs', values: byId.on.cpuMicrosPerRequest, baselines: byId.off.cpuMicrosPerRequest }),
        roundsResult({ name: 'tracing on: GET /items/:id p99 vs off', unit: 'ms', values: byId.on.p99Ms, baselines: byId.off.p99Ms }),
        roundsResult({ name: 'tracing on: /livez throughput vs off (probes are not traced)', unit: 'req/s', values: livez.on.requestsPerSecond, baselines: livez.off.requestsPerSecond }),
        roundsResult({ name: 'tracing on: start-up to ready vs off', unit: 'ms', values: startups.on, baselines: startups.off }),
        roundsResult({
          name: 'tracing SDK floor per GET /items/:id vs the CPU 0.8x leaves tracing',
          unit: 'µs',
          values: floorsMicros,
          baselines: allowedMicros,
          notes:
            "the SDK alone, in-process (tracing-floor.ts): above 1x no service on this SDK could meet 0.8x at 100 % sampling; below, the rest of 0.8x's allowance is what the service's own tracing (context, hooks, instrumentation, export writes, the garbage of spans held until export) may cost",
        }),
      ],
      details: [
        `load: wrk ${LOAD_THREADS} thread, ${CONNECTIONS} connections, ${options.rounds} rounds of ${LOAD_SECONDS} s in turn after 2 s of warm-up; ${pinningNote()}; ${pinningAvailable() ? "the OTLP receiver runs in a process of its own on the load generator's core" : 'the OTLP receiver runs in a process of its own'}; start-up: ${startups.off.length} fresh starts each, in turn`,
        ...(['off', 'on'] as const).map(
          (mode) =>
            `tracing ${mode}: GET /items/:id ${formatSpan(byId[mode].requestsPerSecond, 0)} req/s, service CPU ${formatSpan(byId[mode].cpuMicrosPerRequest, 1)} µs/request; ` +
            `/livez ${formatSpan(livez[mode].requestsPerSecond, 0)} req/s; start-up ${formatSpan(startups[mode], 0)} ms` +
            (errors(mode) ? ` (${errors(mode)} errors/non-2xx)` : ''),
        ),
        `receiver: ${received.requests} OTLP export requests, ${(received.bytes / 1024 / 1024).toFixed(1)} MiB; from the ${tracedRequests} measured GET /items/:id it received ` +
          `${serverSpans} server spans (${((100 * serverSpans) / tracedRequests).toFixed(1)} %; the batch processor drops what overflows its queue, OTEL_BSP_MAX_QUEUE_SIZE) ` +
          `and ${childSpans} Redis spans (${((100 * childSpans) / tracedRequests).toFixed(1)} per 100 requests: concurrent reads of one id share one Redis read)`,
        `SDK floor per traced request (in-process, pinned, CPU; its server span, and a Redis span in ${(100 * redisShare).toFixed(1)} % of them as received): ${formatSpan(floorsMicros, 1)} µs; ` +
          `a read with only its server span ${formatSpan(
            floors.map((floor) => floor.serverSpanOnly.spansMicros),
            1,
          )} to start, end and batch it + ${formatSpan(
            floors.map((floor) => floor.serverSpanOnly.encodingMicros),
            1,
          )} to encode it, one with its Redis span too ${formatSpan(
            floors.map((floor) => floor.withRedisSpan.spansMicros),
            1,
          )} + ${formatSpan(
            floors.map((floor) => floor.withRedisSpan.encodingMicros),
            1,
          )}; 0.8x leaves tracing ${formatSpan(allowedMicros, 1)} µs; the throughput ceiling that floor leaves: ${formatSpan(ceilings, 2)}x tracing off`,
      ],
    };
  } finally {
    for (const service of running) await service.stop();
    await sink.close();
    await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
  }
}
