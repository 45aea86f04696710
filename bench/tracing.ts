/**
 * `npm run bench -- --only tracing`: what OpenTelemetry costs the generated service
 * (PostgreSQL, Redis cache). Two instances of one build: tracing off (no OTEL_* variables, the
 * default) and tracing on (every request sampled, spans exported over OTLP/HTTP protobuf to a
 * receiver this process owns, which reads and discards them). GET /items/:id (a server span
 * and a Redis span per request) and /livez (untraced by design) throughput with the service's
 * own CPU per request, and start-up time to ready, each the median of rounds taken in turn.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { CONNECTIONS, LOAD_SECONDS, measureLoad, medianLoad, type Load } from './load.js';
import { prepareService } from './prepare.js';
import { benchResult, type BenchSection } from './result.js';
import { httpRequest, PG, psql, REDIS_URL, start, type Running } from './service.js';
import { median } from './stats.js';

/** The throughput the issue asks of tracing on, against tracing off. */
const TARGET_THROUGHPUT_RATIO = 0.8;

interface OtlpSink {
  endpoint: string;
  requests: number;
  bytes: number;
  close(): Promise<void>;
}

/** Accepts OTLP/HTTP exports like a collector would (200, empty response) and counts them. */
async function startOtlpSink(): Promise<OtlpSink> {
  const sink = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (sink.bytes += chunk.length));
    request.on('end', () => {
      sink.requests += 1;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return sink.requests;
    },
    get bytes() {
      return sink.bytes;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Mode = 'off' | 'on';

export async function runTracingBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  const { log } = options;
  const { directory } = await prepareService({ storage: 'postgres', cache: 'redis', messaging: 'none', broker: null }, log);
  const sink = await startOtlpSink();
  const database = `microforge_bench_tracing_${process.pid}_${randomBytes(3).toString('hex')}`;
  await psql(`CREATE DATABASE ${database}`);
  const envFor = (mode: Mode): Record<string, string> => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
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
    for (const mode of ['off', 'on'] as const) await autocannon({ url: `${services[mode].baseUrl}${path}`, connections: CONNECTIONS, amount: 5_000 });
    const loads: Record<Mode, { byId: Load[]; livez: Load[] }> = { off: { byId: [], livez: [] }, on: { byId: [], livez: [] } };
    for (let round = 1; round <= options.rounds; round++) {
      for (const mode of ['off', 'on'] as const) {
        const service = services[mode];
        loads[mode].byId.push(await measureLoad(`${service.baseUrl}${path}`, service.child.pid));
        loads[mode].livez.push(await measureLoad(`${service.baseUrl}/livez`, service.child.pid));
      }
      log(`tracing: load round ${round}/${options.rounds} done`);
    }
    const byId = { off: medianLoad(loads.off.byId), on: medianLoad(loads.on.byId) };
    const livez = { off: medianLoad(loads.off.livez), on: medianLoad(loads.on.livez) };
    const startup = { off: median(startups.off), on: median(startups.on) };
    if (sink.requests === 0) throw new Error('tracing on exported nothing to the receiver');
    return {
      title: 'Tracing: OpenTelemetry on (100 % sampled, OTLP/HTTP to a local receiver) vs off, same build',
      results: [
        benchResult({ name: 'tracing on: GET /items/:id throughput vs off', unit: 'req/s', value: byId.on.requestsPerSecond, baseline: byId.off.requestsPerSecond, target: TARGET_THROUGHPUT_RATIO }),
        benchResult({ name: 'tracing on: service CPU per GET /items/:id vs off', unit: 'µs', value: byId.on.cpuMicrosPerRequest, baseline: byId.off.cpuMicrosPerRequest }),
        benchResult({ name: 'tracing on: GET /items/:id p99 vs off', unit: 'ms', value: byId.on.p99Ms, baseline: byId.off.p99Ms }),
        benchResult({ name: 'tracing on: /livez throughput vs off (probes are not traced)', unit: 'req/s', value: livez.on.requestsPerSecond, baseline: livez.off.requestsPerSecond }),
        benchResult({ name: 'tracing on: start-up to ready vs off', unit: 'ms', value: startup.on, baseline: startup.off }),
      ],
      details: [
        `load: autocannon in the bench process, ${CONNECTIONS} connections, median of ${options.rounds} rounds of ${LOAD_SECONDS} s in turn; the receiver runs in the bench process too; start-up: median of ${startups.off.length} fresh starts each`,
        ...(['off', 'on'] as const).map(
          (mode) =>
            `tracing ${mode}: GET /items/:id ${byId[mode].requestsPerSecond.toFixed(0)} req/s, p99 ${byId[mode].p99Ms} ms, service CPU ${byId[mode].cpuMicrosPerRequest.toFixed(1)} µs/request; ` +
            `/livez ${livez[mode].requestsPerSecond.toFixed(0)} req/s, ${livez[mode].cpuMicrosPerRequest.toFixed(1)} µs/request; start-up ${startup[mode].toFixed(0)} ms` +
            (byId[mode].errors + livez[mode].errors ? ` (${byId[mode].errors + livez[mode].errors} errors/non-2xx)` : ''),
        ),
        `receiver: ${sink.requests} OTLP export requests, ${(sink.bytes / 1024 / 1024).toFixed(1)} MiB`,
      ],
    };
  } finally {
    for (const service of running) await service.stop();
    await sink.close();
    await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
  }
}
