/**
 * The generated service's cost, against a bare fastify hello world (same fastify version) in the
 * same run: start to a ready /readyz, idle RSS, RSS after a warm-up load, GET /livez throughput,
 * latency and service CPU per request under wrk (load.ts), and GET /<resource>s/:id on its own
 * (the default, PostgreSQL-backed combination only). Services run on the generated services' Node (scripts/ensure-node.sh) as
 * `node dist/main.js`, pinned to one core, logs to /dev/null.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { completeSpec } from '../generators/lib/spec.js';
import { AMQP_URL, NATS_URL, removeServiceTopology } from './broker-topology.js';
import { cleanEnv, serviceNodeBinary, serviceNodeEnv, serviceNodeVersion, run } from './environment.js';
import { CONNECTIONS, LOAD_SECONDS, LOAD_THREADS, loadSeries, measureLoad, processCpuMs, requireWrk, type Load } from './load.js';
import { pinned, pinningNote, SERVICE_CPU } from './pinning.js';
import { prepareBareFastify, prepareService, serviceNameFor, type PreparedService } from './prepare.js';
import { benchResult, roundsResult, type BenchResult, type BenchSection } from './result.js';
import { formatSpan } from './stats.js';

export const REDIS_URL = process.env.MICROFORGE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const PG = { host: process.env.MICROFORGE_BENCH_PGHOST ?? '127.0.0.1', port: process.env.MICROFORGE_BENCH_PGPORT ?? '5432', user: process.env.MICROFORGE_BENCH_PGUSER ?? 'postgres' };

export async function psql(sql: string): Promise<void> {
  await run('psql', ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: cleanEnv({ PGCONNECT_TIMEOUT: '5' }) });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function httpRequest(url: string, method = 'GET', body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, headers: payload ? { 'content-type': 'application/json' } : {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

export interface Running {
  child: ChildProcess;
  baseUrl: string;
  startupMs: number;
  /** The service's CPU time (user + system, from /proc) when it first answered ready. */
  startupCpuMs: number;
  stop(): Promise<void>;
}

export interface Target {
  key: string;
  label: string;
  cwd: string;
  script: string;
  env: Record<string, string>;
}

export async function start(target: Target): Promise<Running> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = process.hrtime.bigint();
  const [command, args] = pinned(SERVICE_CPU, serviceNodeBinary(), [target.script]);
  const child = spawn(command, args, {
    cwd: target.cwd,
    env: cleanEnv({ ...target.env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${target.label} exited with ${child.exitCode} before ready: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${target.label} was not ready within 60 s: ${stderr.trim()}`);
    }
    const ready = await httpRequest(`${baseUrl}/readyz`).then((res) => res.status === 200, () => false);
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { child, baseUrl, startupMs, startupCpuMs: processCpuMs(child.pid), stop };
}

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

/** Starts are short and cheap: several per round, for a steadier median. */
const STARTS_PER_ROUND = 3;

/** Seconds of /livez load each service takes before RSS is read and rounds begin (JIT, pools). */
const WARM_UP_SECONDS = 2;

interface UnderLoad {
  idleRssMiB: number;
  loadedRssMiB: number;
  warmUpRequests: number;
  livez: Load[];
  byId: Load[];
}

/**
 * All targets run at once (idle but the one under load); every load figure is taken round by
 * round across the targets (bare, minimal, default, bare, ...), so a neighbour's burst on a
 * shared machine lands on all of them rather than on whichever was measured at that moment, and
 * round i of a service pairs with round i of bare fastify.
 */
async function measureUnderLoad(targets: readonly Target[], resourcePath: (target: Target) => string | undefined, rounds: number, log: (line: string) => void): Promise<Map<string, UnderLoad>> {
  const running = new Map<string, Running>();
  try {
    for (const target of targets) running.set(target.key, await start(target));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const figures = new Map<string, UnderLoad>();
    for (const target of targets) {
      const service = running.get(target.key)!;
      const idleRssMiB = rssMiB(service.child.pid);
      const warmUp = await measureLoad(`${service.baseUrl}/livez`, service.child.pid, WARM_UP_SECONDS);
      figures.set(target.key, { idleRssMiB, loadedRssMiB: rssMiB(service.child.pid), warmUpRequests: warmUp.requests, livez: [], byId: [] });
    }
    const ids = new Map<string, string>();
    for (const target of targets) {
      const path = resourcePath(target);
      if (!path) continue;
      const created = await httpRequest(`${running.get(target.key)!.baseUrl}${path}`, 'POST', { name: 'bench', quantity: 1 });
      if (created.status !== 201) throw new Error(`POST ${path} answered ${created.status}: ${created.text}`);
      ids.set(target.key, `${path}/${(JSON.parse(created.text) as { id: string }).id}`);
    }
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        const service = running.get(target.key)!;
        const figure = figures.get(target.key)!;
        figure.livez.push(await measureLoad(`${service.baseUrl}/livez`, service.child.pid));
        const idPath = ids.get(target.key);
        if (idPath) figure.byId.push(await measureLoad(`${service.baseUrl}${idPath}`, service.child.pid));
      }
      log(`service: load round ${round}/${rounds} done`);
    }
    return figures;
  } finally {
    for (const service of running.values()) await service.stop();
  }
}

/** The choices `microforge new --yes` makes without flags: what "default" measures. */
function defaultChoices(): PreparedService['spec'] {
  const { storage, cache, messaging, broker } = completeSpec({}, 'bench-default');
  return { storage, cache, messaging, broker };
}

function describeLoads(loads: readonly Load[]): string {
  const series = loadSeries(loads);
  const errors = series.errors.reduce((sum, value) => sum + value, 0);
  return `${formatSpan(series.requestsPerSecond, 0)} req/s, p50 ${formatSpan(series.p50Ms, 2)} ms, p99 ${formatSpan(series.p99Ms, 2)} ms, ${formatSpan(series.cpuMicrosPerRequest, 1)} µs CPU/request${errors ? `, ${errors} errors/non-2xx` : ''}`;
}

export async function runServiceBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  const { log } = options;
  requireWrk();
  const bareDir = await prepareBareFastify(log);
  const minimal = await prepareService({ storage: 'none', cache: 'none', messaging: 'none', broker: null }, log);
  const defaults = await prepareService(defaultChoices(), log);
  const { cache, broker } = defaults.spec;
  const database = `microforge_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await psql(`CREATE DATABASE ${database}`);
  try {
    const serviceTarget = (service: PreparedService, label: string, env: Record<string, string> = {}): Target => ({
      key: service.key,
      label,
      cwd: service.directory,
      script: 'dist/main.js',
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', ...service.runtimeEnv, ...env },
    });
    const defaultEnv = {
      DATABASE_URL: `postgres://${PG.user}@${PG.host}:${PG.port}/${database}`,
      ...(cache === 'redis' ? { REDIS_URL } : {}),
      ...(broker === 'rabbitmq' ? { AMQP_URL } : broker === 'nats' ? { NATS_URL } : {}),
    };
    const defaultLabel = `default (${[defaults.spec.storage, cache === 'none' ? undefined : `cache ${cache}`, broker === null ? undefined : `${defaults.spec.messaging} ${broker}`].filter(Boolean).join(', ')})`;
    const targets: Target[] = [
      { key: 'bare', label: 'bare fastify', cwd: bareDir, script: 'server.mjs', env: { NODE_ENV: 'production' } },
      serviceTarget(minimal, 'minimal (storage none)'),
      serviceTarget(defaults, defaultLabel, defaultEnv),
    ];
    // Started only: what the compile cache the image ships is worth (an image built without it).
    const defaultTarget = targets[2]!;
    const withoutCompileCache = Object.fromEntries(Object.entries(defaultTarget.env).filter(([name]) => !(name in defaults.runtimeEnv)));
    const uncached: Target = { ...defaultTarget, key: `${defaults.key}-uncached`, label: `${defaultLabel} without the compile cache`, env: withoutCompileCache };
    const started = [...targets, uncached];
    // Round 0 warms the page cache and applies the default service's migrations; it is discarded.
    const startups = new Map<string, number[]>(started.map((target) => [target.key, []]));
    const startupCpu = new Map<string, number[]>(started.map((target) => [target.key, []]));
    for (let round = 0; round <= options.rounds * STARTS_PER_ROUND; round++) {
      for (const target of started) {
        const running = await start(target);
        await running.stop();
        if (round > 0) {
          startups.get(target.key)!.push(running.startupMs);
          startupCpu.get(target.key)!.push(running.startupCpuMs);
        }
      }
    }
    log('service: start-up rounds done');
    const underLoad = await measureUnderLoad(targets, (target) => (target === targets[2] ? '/items' : undefined), options.rounds, log);
    const bare = underLoad.get('bare')!;
    const bareLivez = loadSeries(bare.livez);
    const results: BenchResult[] = [];
    const details = [
      `load: wrk ${LOAD_THREADS} thread, ${CONNECTIONS} connections, ${options.rounds} rounds of ${LOAD_SECONDS} s taken in turn across the targets after ${WARM_UP_SECONDS} s of warm-up each; ${pinningNote()}; figures are medians with min-max over rounds; start-up: spawn to first 200 from /readyz (polled every 5 ms), ${options.rounds * STARTS_PER_ROUND} starts in turn; the generated services run with the compile cache their image ships (NODE_COMPILE_CACHE, written by \`node dist/main.js --warm-compile-cache\` as their Dockerfile does); Node ${serviceNodeVersion()}`,
    ];
    for (const target of targets) {
      const f = underLoad.get(target.key)!;
      const startup = startups.get(target.key)!;
      details.push(
        `${target.label}: ready in ${formatSpan(startup, 0)} ms, CPU until ready ${formatSpan(startupCpu.get(target.key)!, 0)} ms, idle RSS ${f.idleRssMiB.toFixed(1)} MiB, RSS after warm-up (${f.warmUpRequests} requests) ${f.loadedRssMiB.toFixed(1)} MiB; /livez ${describeLoads(f.livez)}${f.byId.length ? `; GET /items/:id ${describeLoads(f.byId)}` : ''}`,
      );
      if (target.key === 'bare') continue;
      const which = target.key === minimal.key ? 'minimal' : 'default';
      const livez = loadSeries(f.livez);
      results.push(
        roundsResult({
          name: `${which}: start to ready /readyz vs bare fastify`,
          unit: 'ms',
          values: startup,
          baselines: startups.get('bare')!,
          target: 2,
          ...(which === 'default' ? { notes: 'connects to its database, cache and broker and checks migrations before it is ready' } : {}),
        }),
        roundsResult({ name: `${which}: CPU spent until ready vs bare fastify`, unit: 'ms', values: startupCpu.get(target.key)!, baselines: startupCpu.get('bare')!, notes: 'the service process only, from /proc (10 ms ticks)' }),
        benchResult({ name: `${which}: idle RSS vs bare fastify`, unit: 'MiB', value: f.idleRssMiB, baseline: bare.idleRssMiB, target: (bare.idleRssMiB + 35) / bare.idleRssMiB, notes: 'target: bare + 35 MiB; one reading' }),
        benchResult({ name: `${which}: RSS after warm-up load vs bare fastify`, unit: 'MiB', value: f.loadedRssMiB, baseline: bare.loadedRssMiB, notes: 'one reading' }),
        roundsResult({ name: `${which}: GET /livez throughput vs bare fastify`, unit: 'req/s', values: livez.requestsPerSecond, baselines: bareLivez.requestsPerSecond, target: 0.9 }),
        roundsResult({ name: `${which}: GET /livez p99 vs bare fastify`, unit: 'ms', values: livez.p99Ms, baselines: bareLivez.p99Ms }),
        roundsResult({ name: `${which}: GET /livez service CPU per request vs bare fastify`, unit: 'µs', values: livez.cpuMicrosPerRequest, baselines: bareLivez.cpuMicrosPerRequest }),
      );
      if (f.byId.length) {
        const byId = loadSeries(f.byId);
        const notes = cache === 'none' ? 'one PostgreSQL read per request' : `the same row every time: served from the ${cache} cache`;
        results.push(
          roundsResult({ name: `${which}: GET /items/:id throughput (vs its own /livez)`, unit: 'req/s', values: byId.requestsPerSecond, baselines: livez.requestsPerSecond, notes }),
          roundsResult({ name: `${which}: GET /items/:id service CPU per request (vs its own /livez)`, unit: 'µs', values: byId.cpuMicrosPerRequest, baselines: livez.cpuMicrosPerRequest }),
        );
      }
    }
    const uncachedStartup = startups.get(uncached.key)!;
    details.push(`${uncached.label}: ready in ${formatSpan(uncachedStartup, 0)} ms, CPU until ready ${formatSpan(startupCpu.get(uncached.key)!, 0)} ms`);
    results.push(
      roundsResult({
        name: 'default without the compile cache: start to ready /readyz vs bare fastify',
        unit: 'ms',
        values: uncachedStartup,
        baselines: startups.get('bare')!,
        notes: 'the service as an image built without NODE_COMPILE_CACHE would start it; bare fastify never has one',
      }),
    );
    return { title: 'Generated service (same run and same Node as bare fastify, load from wrk)', results, details };
  } finally {
    await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
    if (broker !== null) {
      await removeServiceTopology({ broker, service: serviceNameFor(defaults.spec), resource: 'item', repo: defaults.directory, node: serviceNodeBinary(), env: serviceNodeEnv() }).catch((error: unknown) =>
        log(`could not remove the default service's queues: ${String(error)}`),
      );
    }
  }
}
