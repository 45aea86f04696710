/**
 * `npm run bench -- --only cache`: GET /items/:id on the PostgreSQL service with cache none,
 * memory and redis, in one run, under the same load (wrk pinned to its own core, the services to
 * the other; load.ts): throughput, p50 and p99, the service's CPU per request, and the ratios of
 * memory and redis against none. Twice: with LOG_LEVEL=info (the shipped default: one access-log
 * line per request, written synchronously to stdout) and with LOG_LEVEL=warn (no request logs),
 * which shows the cache's own effect. Each service has a database of its own; Redis is the machine's (127.0.0.1:6379, or
 * MICROFORGE_BENCH_REDIS_URL) under a key prefix derived from the service name. Rounds are taken in turn across all targets and the median kept, so a
 * neighbour's burst on a shared machine lands on all of them.
 */
import { randomBytes } from 'node:crypto';
import { serviceNodeVersion } from './environment.js';
import { CONNECTIONS, LOAD_SECONDS, LOAD_THREADS, loadSeries, measureLoad, requireWrk, type Load } from './load.js';
import { pinningNote } from './pinning.js';
import { prepareService } from './prepare.js';
import { roundsResult, type BenchResult, type BenchSection } from './result.js';
import { formatSpan } from './stats.js';
import { httpRequest, PG, psql, REDIS_URL, start, type Running } from './service.js';

const CACHES = ['none', 'memory', 'redis'] as const;
const LOG_LEVELS = ['info', 'warn'] as const;
/** The throughput the issue asks of each cache, against none. */
const TARGETS = { memory: 3, redis: 1.5 } as const;
const WARM_UP_SECONDS = 2;
type CacheKind = (typeof CACHES)[number];
type LogLevel = (typeof LOG_LEVELS)[number];

interface Measured {
  key: string;
  cache: CacheKind;
  logLevel: LogLevel;
  url?: string;
  pid?: number | undefined;
  loads: Load[];
}

export async function runCacheBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  const { log } = options;
  requireWrk();
  const directories = new Map<CacheKind, string>();
  for (const cache of CACHES) directories.set(cache, (await prepareService({ storage: 'postgres', cache, messaging: 'none', broker: null }, log)).directory);
  const targets: Measured[] = LOG_LEVELS.flatMap((logLevel) => CACHES.map((cache) => ({ key: `${cache}-${logLevel}`, cache, logLevel, loads: [] as Load[] })));
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const databases: string[] = [];
  const running: Running[] = [];
  try {
    for (const target of targets) {
      const database = `microforge_bench_cache_${target.cache}_${target.logLevel}_${suffix}`;
      await psql(`CREATE DATABASE ${database}`);
      databases.push(database);
      const service = await start({
        key: target.key,
        label: `cache ${target.cache}, LOG_LEVEL=${target.logLevel}`,
        cwd: directories.get(target.cache)!,
        script: 'dist/main.js',
        env: {
          NODE_ENV: 'production',
          LOG_LEVEL: target.logLevel,
          DATABASE_URL: `postgres://${PG.user}@${PG.host}:${PG.port}/${database}`,
          ...(target.cache === 'redis' ? { REDIS_URL } : {}),
        },
      });
      running.push(service);
      const created = await httpRequest(`${service.baseUrl}/items`, 'POST', { name: 'bench', quantity: 1 });
      if (created.status !== 201) throw new Error(`POST /items (${target.key}) answered ${created.status}: ${created.text}`);
      target.pid = service.child.pid;
      target.url = `${service.baseUrl}/items/${(JSON.parse(created.text) as { id: string }).id}`;
    }
    // Warm-up: JIT, connection pools and the cache itself; discarded.
    for (const target of targets) await measureLoad(target.url!, target.pid, WARM_UP_SECONDS);
    for (let round = 1; round <= options.rounds; round++) {
      for (const target of targets) target.loads.push(await measureLoad(target.url!, target.pid));
      log(`cache: load round ${round}/${options.rounds} done`);
    }

    const series = (cache: CacheKind, logLevel: LogLevel) => loadSeries(targets.find((target) => target.cache === cache && target.logLevel === logLevel)!.loads);
    const results: BenchResult[] = [];
    for (const logLevel of LOG_LEVELS) {
      const none = series('none', logLevel);
      for (const cache of ['memory', 'redis'] as const) {
        const f = series(cache, logLevel);
        results.push(
          roundsResult({ name: `LOG_LEVEL=${logLevel}, cache ${cache}: GET /items/:id throughput vs cache none`, unit: 'req/s', values: f.requestsPerSecond, baselines: none.requestsPerSecond, target: TARGETS[cache] }),
          roundsResult({ name: `LOG_LEVEL=${logLevel}, cache ${cache}: GET /items/:id p99 vs cache none`, unit: 'ms', values: f.p99Ms, baselines: none.p99Ms }),
          roundsResult({ name: `LOG_LEVEL=${logLevel}, cache ${cache}: service CPU per request vs cache none`, unit: 'µs', values: f.cpuMicrosPerRequest, baselines: none.cpuMicrosPerRequest }),
        );
      }
    }
    const details = [
      `load: wrk ${LOAD_THREADS} thread, ${CONNECTIONS} connections, ${options.rounds} rounds of ${LOAD_SECONDS} s taken in turn across the ${targets.length} services, after ${WARM_UP_SECONDS} s of warm-up each; ${pinningNote()}; the same row read every time (all hits once cached); medians with min-max over rounds; Node ${serviceNodeVersion()}`,
      ...targets.map((target) => {
        const f = series(target.cache, target.logLevel);
        const errors = f.errors.reduce((sum, value) => sum + value, 0);
        return `LOG_LEVEL=${target.logLevel}, cache ${target.cache}: ${formatSpan(f.requestsPerSecond, 0)} req/s, p50 ${formatSpan(f.p50Ms, 2)} ms, p99 ${formatSpan(f.p99Ms, 2)} ms, service CPU ${formatSpan(f.cpuMicrosPerRequest, 1)} µs/request${errors ? ` (${errors} errors/non-2xx)` : ''}`;
      }),
    ];
    return { title: 'Read cache: GET /items/:id with cache none, memory and redis (same run, load from wrk)', results, details };
  } finally {
    for (const service of running) await service.stop();
    for (const database of databases) await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
  }
}
