/**
 * `npm run bench -- --only cache`: GET /items/:id on the PostgreSQL service with cache none,
 * memory and redis, in one run, with the same load generator (autocannon, in this process):
 * throughput, p50 and p99, and the ratios of memory and redis against none. Twice: with
 * LOG_LEVEL=info (the shipped default: one access-log line per request, written synchronously
 * to stdout) and with LOG_LEVEL=warn (no request logs), which shows the cache's own effect.
 * Throughput is bounded by the load generator once the service is cheap enough (autocannon and
 * the service share the 2 cores), so the service's own CPU time per request is reported too.
 * Each service has a database of its own; Redis is the machine's (127.0.0.1:6379, or
 * MICROFORGE_BENCH_REDIS_URL) under a key prefix derived from the service name. Rounds are taken in turn across all targets and the median kept, so a
 * neighbour's burst on a shared machine lands on all of them.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { node24BinDir, run } from './environment.js';
import { CONNECTIONS, LOAD_SECONDS, measureLoad, medianLoad, type Load } from './load.js';
import { prepareService } from './prepare.js';
import { benchResult, type BenchResult, type BenchSection } from './result.js';
import { httpRequest, PG, psql, REDIS_URL, start, type Running } from './service.js';

const CACHES = ['none', 'memory', 'redis'] as const;
const LOG_LEVELS = ['info', 'warn'] as const;
/** The throughput the issue asks of each cache, against none. */
const TARGETS = { memory: 3, redis: 1.5 } as const;
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
    for (const target of targets) await autocannon({ url: target.url!, connections: CONNECTIONS, amount: 5_000 });
    for (let round = 1; round <= options.rounds; round++) {
      for (const target of targets) target.loads.push(await measureLoad(target.url!, target.pid));
      log(`cache: load round ${round}/${options.rounds} done`);
    }

    const figure = (cache: CacheKind, logLevel: LogLevel): Load => medianLoad(targets.find((target) => target.cache === cache && target.logLevel === logLevel)!.loads);
    const results: BenchResult[] = [];
    for (const logLevel of LOG_LEVELS) {
      const none = figure('none', logLevel);
      for (const cache of ['memory', 'redis'] as const) {
        const f = figure(cache, logLevel);
        results.push(
          benchResult({ name: `LOG_LEVEL=${logLevel}, cache ${cache}: GET /items/:id throughput vs cache none`, unit: 'req/s', value: f.requestsPerSecond, baseline: none.requestsPerSecond, target: TARGETS[cache] }),
          benchResult({ name: `LOG_LEVEL=${logLevel}, cache ${cache}: GET /items/:id p99 vs cache none`, unit: 'ms', value: f.p99Ms, baseline: none.p99Ms }),
          benchResult({ name: `LOG_LEVEL=${logLevel}, cache ${cache}: service CPU per request vs cache none`, unit: 'µs', value: f.cpuMicrosPerRequest, baseline: none.cpuMicrosPerRequest }),
        );
      }
    }
    const details = [
      `load: autocannon in the bench process, ${CONNECTIONS} connections, median of ${options.rounds} rounds of ${LOAD_SECONDS} s taken in turn across the ${targets.length} services, after 5,000 warm-up requests each; the same row read every time (all hits once cached); Node ${(await run(join(node24BinDir(), 'node'), ['--version'])).trim()}`,
      ...targets.map((target) => {
        const f = figure(target.cache, target.logLevel);
        return `LOG_LEVEL=${target.logLevel}, cache ${target.cache}: ${f.requestsPerSecond.toFixed(0)} req/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, service CPU ${f.cpuMicrosPerRequest.toFixed(1)} µs/request${f.errors ? ` (${f.errors} errors/non-2xx)` : ''}`;
      }),
    ];
    return { title: 'Read cache: GET /items/:id with cache none, memory and redis (same run, same load generator)', results, details };
  } finally {
    for (const service of running) await service.stop();
    for (const database of databases) await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
  }
}
