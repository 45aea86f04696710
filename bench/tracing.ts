/**
 * `npm run bench -- --only tracing`: what OpenTelemetry costs the generated service
 * (PostgreSQL, Redis cache). Two instances of one build: tracing off (no OTEL_* variables, the
 * default) and tracing on (every request sampled, spans exported over OTLP/HTTP protobuf to a
 * receiver in a process of its own on the load generator's core, which reads and discards
 * them: otlp-sink.ts). GET /items/:id (a server span and a Redis span per request) and /livez
 * (untraced by design) under the same load (wrk, see load.ts), with the service's own CPU per
 * request, and start-up time to ready, each the median of rounds taken in turn with paired
 * per-round ratios.
 */
import { randomBytes } from 'node:crypto';
import { CONNECTIONS, LOAD_SECONDS, LOAD_THREADS, loadSeries, measureLoad, requireWrk, type Load } from './load.js';
import { startOtlpSink } from './otlp-sink.js';
import { pinningAvailable, pinningNote } from './pinning.js';
import { prepareService } from './prepare.js';
import { roundsResult, type BenchSection } from './result.js';
import { httpRequest, PG, psql, REDIS_URL, start, type Running } from './service.js';
import { formatSpan } from './stats.js';

/** The throughput the issue asks of tracing on, against tracing off. */
const TARGET_THROUGHPUT_RATIO = 0.8;

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
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        loads[mode].byId.push(await measureLoad(urlOf(mode, 'byId'), services[mode].child.pid));
        loads[mode].livez.push(await measureLoad(urlOf(mode, 'livez'), services[mode].child.pid));
      }
      log(`tracing: load round ${round}/${options.rounds} done`);
    }
    const received = await sink.counts();
    if (received.requests === 0) throw new Error('tracing on exported nothing to the receiver');
    const byId = { off: loadSeries(loads.off.byId), on: loadSeries(loads.on.byId) };
    const livez = { off: loadSeries(loads.off.livez), on: loadSeries(loads.on.livez) };
    const errors = (mode: Mode) => [...loads[mode].byId, ...loads[mode].livez].reduce((sum, load) => sum + load.errors, 0);
    return {
      title: 'Tracing: OpenTelemetry on (100 % sampled, OTLP/HTTP to a local receiver) vs off, same build',
      results: [
        roundsResult({ name: 'tracing on: GET /items/:id throughput vs off', unit: 'req/s', values: byId.on.requestsPerSecond, baselines: byId.off.requestsPerSecond, target: TARGET_THROUGHPUT_RATIO }),
        roundsResult({ name: 'tracing on: service CPU per GET /items/:id vs off', unit: 'µs', values: byId.on.cpuMicrosPerRequest, baselines: byId.off.cpuMicrosPerRequest }),
        roundsResult({ name: 'tracing on: GET /items/:id p99 vs off', unit: 'ms', values: byId.on.p99Ms, baselines: byId.off.p99Ms }),
        roundsResult({ name: 'tracing on: /livez throughput vs off (probes are not traced)', unit: 'req/s', values: livez.on.requestsPerSecond, baselines: livez.off.requestsPerSecond }),
        roundsResult({ name: 'tracing on: start-up to ready vs off', unit: 'ms', values: startups.on, baselines: startups.off }),
      ],
      details: [
        `load: wrk ${LOAD_THREADS} thread, ${CONNECTIONS} connections, ${options.rounds} rounds of ${LOAD_SECONDS} s in turn after 2 s of warm-up; ${pinningNote()}; ${pinningAvailable() ? "the OTLP receiver runs in a process of its own on the load generator's core" : 'the OTLP receiver runs in a process of its own'}; start-up: ${startups.off.length} fresh starts each, in turn`,
        ...(['off', 'on'] as const).map(
          (mode) =>
            `tracing ${mode}: GET /items/:id ${formatSpan(byId[mode].requestsPerSecond, 0)} req/s, service CPU ${formatSpan(byId[mode].cpuMicrosPerRequest, 1)} µs/request; ` +
            `/livez ${formatSpan(livez[mode].requestsPerSecond, 0)} req/s; start-up ${formatSpan(startups[mode], 0)} ms` +
            (errors(mode) ? ` (${errors(mode)} errors/non-2xx)` : ''),
        ),
        `receiver: ${received.requests} OTLP export requests, ${(received.bytes / 1024 / 1024).toFixed(1)} MiB`,
      ],
    };
  } finally {
    for (const service of running) await service.stop();
    await sink.close();
    await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
  }
}
