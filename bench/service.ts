/**
 * The generated service's cost, against a bare fastify hello world (same fastify version) in the
 * same run: start to a ready /readyz, idle RSS, RSS after 20,000 requests, GET /livez throughput
 * and p99 with autocannon, and GET /<resource>s/:id on its own (the default, PostgreSQL-backed
 * combination only). Services run on Node 24 as `node dist/main.js`, logs to /dev/null.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { completeSpec } from '../generators/lib/spec.js';
import { AMQP_URL, NATS_URL, removeServiceTopology } from './broker-topology.js';
import { cleanEnv, node24BinDir, node24Env, run } from './environment.js';
import { CONNECTIONS, LOAD_SECONDS, measureLoad, medianLoad, type Load } from './load.js';
import { prepareBareFastify, prepareService, serviceNameFor, type PreparedService } from './prepare.js';
import { benchResult, type BenchResult, type BenchSection } from './result.js';
import { median } from './stats.js';

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
  const child = spawn(join(node24BinDir(), 'node'), [target.script], {
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
  return { child, baseUrl, startupMs: Number(process.hrtime.bigint() - started) / 1e6, stop };
}

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

interface TargetFigures {
  startupMs: number;
  idleRssMiB: number;
  loadedRssMiB: number;
  livez: Load;
  byId?: Load;
}

/**
 * All targets run at once; every load figure is taken round by round across the targets
 * (bare, minimal, default, bare, ...) and the median kept, so a neighbour's burst on a shared
 * machine lands on all of them rather than on whichever was measured at that moment.
 */
async function measureUnderLoad(targets: readonly Target[], resourcePath: (target: Target) => string | undefined, rounds: number, log: (line: string) => void): Promise<Map<string, Omit<TargetFigures, 'startupMs'>>> {
  const running = new Map<string, Running>();
  try {
    for (const target of targets) running.set(target.key, await start(target));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = new Map(targets.map((target) => [target.key, rssMiB(running.get(target.key)!.child.pid)]));
    const loaded = new Map<string, number>();
    for (const target of targets) {
      await autocannon({ url: `${running.get(target.key)!.baseUrl}/livez`, connections: CONNECTIONS, amount: 20_000 });
      loaded.set(target.key, rssMiB(running.get(target.key)!.child.pid));
    }
    const ids = new Map<string, string>();
    for (const target of targets) {
      const path = resourcePath(target);
      if (!path) continue;
      const created = await httpRequest(`${running.get(target.key)!.baseUrl}${path}`, 'POST', { name: 'bench', quantity: 1 });
      if (created.status !== 201) throw new Error(`POST ${path} answered ${created.status}: ${created.text}`);
      ids.set(target.key, `${path}/${(JSON.parse(created.text) as { id: string }).id}`);
    }
    const livez = new Map<string, Load[]>(targets.map((target) => [target.key, []]));
    const byId = new Map<string, Load[]>(targets.map((target) => [target.key, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        const service = running.get(target.key)!;
        livez.get(target.key)!.push(await measureLoad(`${service.baseUrl}/livez`, service.child.pid));
        const idPath = ids.get(target.key);
        if (idPath) byId.get(target.key)!.push(await measureLoad(`${service.baseUrl}${idPath}`, service.child.pid));
      }
      log(`service: load round ${round}/${rounds} done`);
    }
    return new Map(
      targets.map((target) => {
        const idLoads = byId.get(target.key)!;
        return [
          target.key,
          { idleRssMiB: idle.get(target.key)!, loadedRssMiB: loaded.get(target.key)!, livez: medianLoad(livez.get(target.key)!), ...(idLoads.length ? { byId: medianLoad(idLoads) } : {}) },
        ];
      }),
    );
  } finally {
    for (const service of running.values()) await service.stop();
  }
}

/** The choices `microforge new --yes` makes without flags: what "default" measures. */
function defaultChoices(): PreparedService['spec'] {
  const { storage, cache, messaging, broker } = completeSpec({}, 'bench-default');
  return { storage, cache, messaging, broker };
}

export async function runServiceBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  const { log } = options;
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
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    });
    const defaultLabel = `default (${[defaults.spec.storage, cache === 'none' ? undefined : `cache ${cache}`, broker === null ? undefined : `${defaults.spec.messaging} ${broker}`].filter(Boolean).join(', ')})`;
    const targets: Target[] = [
      { key: 'bare', label: 'bare fastify', cwd: bareDir, script: 'server.mjs', env: { NODE_ENV: 'production' } },
      serviceTarget(minimal, 'minimal (storage none)'),
      serviceTarget(defaults, defaultLabel, {
        DATABASE_URL: `postgres://${PG.user}@${PG.host}:${PG.port}/${database}`,
        ...(cache === 'redis' ? { REDIS_URL } : {}),
        ...(broker === 'rabbitmq' ? { AMQP_URL } : broker === 'nats' ? { NATS_URL } : {}),
      }),
    ];
    // Round 0 warms the page cache and applies the default service's migrations; it is discarded.
    const startups = new Map<string, number[]>(targets.map((target) => [target.key, []]));
    for (let round = 0; round <= options.rounds; round++) {
      for (const target of targets) {
        const running = await start(target);
        await running.stop();
        if (round > 0) startups.get(target.key)!.push(running.startupMs);
      }
    }
    log('service: start-up rounds done');
    const underLoad = await measureUnderLoad(targets, (target) => (target === targets[2] ? '/items' : undefined), options.rounds, log);
    const figures = new Map<string, TargetFigures>(targets.map((target) => [target.key, { startupMs: median(startups.get(target.key)!), ...underLoad.get(target.key)! }]));
    const bare = figures.get('bare')!;
    const results: BenchResult[] = [];
    const details = [
      `load: autocannon, ${CONNECTIONS} connections, median of ${options.rounds} rounds of ${LOAD_SECONDS} s taken in turn across the targets; RSS after 20,000 GET /livez; start-up: median of ${options.rounds}, spawn to first 200 from /readyz (polled every 5 ms); Node ${(await run(join(node24BinDir(), 'node'), ['--version'])).trim()}`,
    ];
    for (const target of targets) {
      const f = figures.get(target.key)!;
      details.push(
        `${target.label}: ready in ${f.startupMs.toFixed(0)} ms, idle RSS ${f.idleRssMiB.toFixed(1)} MiB, RSS after 20k requests ${f.loadedRssMiB.toFixed(1)} MiB, /livez ${f.livez.requestsPerSecond.toFixed(0)} req/s p99 ${f.livez.p99Ms} ms, ${f.livez.cpuMicrosPerRequest.toFixed(1)} µs CPU/request${f.byId ? `, GET /items/:id ${f.byId.requestsPerSecond.toFixed(0)} req/s p99 ${f.byId.p99Ms} ms` : ''}${f.livez.errors ? ` (${f.livez.errors} errors/non-2xx)` : ''}`,
      );
      if (target.key === 'bare') continue;
      const which = target.key === minimal.key ? 'minimal' : 'default';
      const connects = which === 'default';
      results.push(
        benchResult({
          name: `${which}: start to ready /readyz vs bare fastify`,
          unit: 'ms',
          value: f.startupMs,
          baseline: bare.startupMs,
          ...(connects ? { notes: 'connects to its database, cache and broker and checks migrations first: no target' } : { target: 2 }),
        }),
        benchResult({
          name: `${which}: idle RSS vs bare fastify`,
          unit: 'MiB',
          value: f.idleRssMiB,
          baseline: bare.idleRssMiB,
          target: (bare.idleRssMiB + 35) / bare.idleRssMiB,
          notes: 'target: bare + 35 MiB',
        }),
        benchResult({ name: `${which}: RSS after 20,000 requests vs bare fastify`, unit: 'MiB', value: f.loadedRssMiB, baseline: bare.loadedRssMiB }),
        benchResult({ name: `${which}: GET /livez throughput vs bare fastify`, unit: 'req/s', value: f.livez.requestsPerSecond, baseline: bare.livez.requestsPerSecond, target: 0.8 }),
        benchResult({ name: `${which}: GET /livez p99 vs bare fastify`, unit: 'ms', value: f.livez.p99Ms, baseline: bare.livez.p99Ms }),
        benchResult({ name: `${which}: GET /livez service CPU per request vs bare fastify`, unit: 'µs', value: f.livez.cpuMicrosPerRequest, baseline: bare.livez.cpuMicrosPerRequest }),
      );
      if (f.byId) {
        results.push(
          benchResult({ name: `${which}: GET /items/:id throughput (vs its own /livez)`, unit: 'req/s', value: f.byId.requestsPerSecond, baseline: f.livez.requestsPerSecond, notes: cache === 'none' ? 'one PostgreSQL read per request' : `the same row every time: served from the ${cache} cache` }),
          benchResult({ name: `${which}: GET /items/:id p99 (vs its own /livez)`, unit: 'ms', value: f.byId.p99Ms, baseline: f.livez.p99Ms }),
        );
      }
    }
    return { title: 'Generated service (Node 24, same run as bare fastify)', results, details };
  } finally {
    await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
    if (broker !== null) {
      await removeServiceTopology({ broker, service: serviceNameFor(defaults.spec), resource: 'item', repo: defaults.directory, node: join(node24BinDir(), 'node'), env: node24Env() }).catch((error: unknown) =>
        log(`could not remove the default service's queues: ${String(error)}`),
      );
    }
  }
}
