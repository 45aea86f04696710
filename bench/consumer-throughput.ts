/**
 * Consumer throughput of the generated at-least-once consumer with PostgreSQL (inbox, effect and
 * outbox in one statement, group-committed with the commands on the same row that queue up
 * together, ack after commit, outbox relay publishing with confirms) against a bare consumer on
 * the same broker doing the same row update in a transaction of its own per command, with manual
 * acks, measured in the same run, per broker. Both run on the services' Node (scripts/ensure-node.sh) with the
 * same prefetch / max-ack-pending and pool size; each drains the same number of commands
 * published in one burst onto one row, and again spread over 64 rows, after a warm-up burst
 * that is not counted.
 * A rate runs from the burst's first message until the row shows it all applied, timed inside
 * the driver, which reads the row every 10 ms over one connection opened beforehand. Polling
 * with a psql process instead cost about 30 ms of CPU per poll: a whole core of the machine's
 * two, taken from the brokers, PostgreSQL and the consumers being measured.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { renderRepo } from '../generators/lib/render.js';
import { completeSpec } from '../generators/lib/spec.js';
import { AMQP_URL, NATS_URL, removeServiceTopology, type BrokerKind } from './broker-topology.js';
import { serviceNodeBinary, serviceNodeEnv, REPO_ROOT, run } from './environment.js';
import { processCpuMs } from './load.js';
import { roundsResult, type BenchResult } from './result.js';

const MESSAGES = Number(process.env['MICROFORGE_BENCH_MESSAGES'] ?? 4000);
/**
 * Where a round's bursts go. Onto one row, every command waits for the previous one's row lock
 * (the target's case, measured since the first run). Round 64 rows, hardly any waits: there the
 * bare consumer's one update per command competes with the generated one's inbox row, upsert,
 * outbox row and relayed event, which a target would not compare like for like; reported beside it.
 */
const SPREADS = [{ rows: 1, target: 0.85 }, { rows: 64 }] as const;
const rowIds = (rows: number) => Array.from({ length: rows }, () => randomUUID()).join(',');
const MAX_IN_FLIGHT = 16;
const POOL_MAX = 10;
const PG = { host: '127.0.0.1', port: '5432', user: 'postgres' };

async function psql(database: string, sql: string): Promise<string> {
  return (await run('psql', ['-h', PG.host, '-p', PG.port, '-U', PG.user, '-d', database, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql])).trim();
}

/**
 * The test-side script, run on the services' Node inside the generated repo (so it uses that
 * repo's pg and broker client): `publish` sends the burst; `bare` is the baseline consumer;
 * `cleanup` removes what the bare consumer declared.
 */
const DRIVER = String.raw`
import pg from 'pg';
const [mode, broker, url, databaseUrl, commands, resourceIds, count, maxInFlight, poolMax, target] = process.argv.slice(2);
// The burst's commands go round the rows given (comma-separated), one row each in turn.
const rows = resourceIds.split(',');
const total = Number(count);
const body = (id, index) => Buffer.from(JSON.stringify({ id, type: 'adjust', data: { itemId: rows[index % rows.length], delta: 1 } }));
const ids = Array.from({ length: total }, () => crypto.randomUUID());

// publish: the burst, timed from its first message until the row says the consumer applied it
// all, read every 10 ms over one connection opened beforehand (no process per poll).
let watcher;
if (mode === 'publish') {
  watcher = new pg.Client({ connectionString: databaseUrl });
  await watcher.connect();
}
let started = 0;
async function reportWhenApplied() {
  const query = { text: 'select coalesce(sum(quantity), 0) as quantity from items where id = any($1)', values: [rows] };
  while (Number((await watcher.query(query)).rows[0].quantity) < Number(target)) {
    if (performance.now() - started > 300_000) throw new Error('the consumer did not apply the burst within 300 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  process.stdout.write(JSON.stringify({ appliedAfterMs: performance.now() - started }) + '\n');
  await watcher.end();
}

if (broker === 'rabbitmq') {
  const { default: amqp } = await import('amqplib');
  const connection = await amqp.connect(url);
  if (mode === 'publish') {
    const channel = await connection.createConfirmChannel();
    started = performance.now();
    ids.forEach((id, index) => channel.sendToQueue(commands, body(id, index), { messageId: id, persistent: true }));
    await channel.waitForConfirms();
    await reportWhenApplied();
  } else if (mode === 'cleanup') {
    const channel = await connection.createChannel();
    await channel.deleteQueue(commands);
  } else {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(poolMax) });
    const channel = await connection.createChannel();
    await channel.assertQueue(commands, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.prefetch(Number(maxInFlight));
    let done = 0;
    await channel.consume(commands, async (message) => {
      const command = JSON.parse(message.content.toString('utf8'));
      await pool.query('update items set quantity = quantity + $2, version = version + 1, updated_at = now() where id = $1', [command.data.itemId, command.data.delta]);
      channel.ack(message);
      if (++done === total) process.stdout.write('done\n');
    });
    process.stdout.write('ready\n');
    await new Promise(() => undefined);
  }
  await connection.close();
} else {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager, AckPolicy } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: url });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const stream = 'bench-bare-' + commands.replace(/[^A-Za-z0-9_-]/g, '_');
  if (mode === 'publish') {
    let next = 0;
    started = performance.now();
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < ids.length) { const index = next++; await js.publish(commands, body(ids[index], index), { msgID: ids[index] }); }
    }));
    await reportWhenApplied();
  } else if (mode === 'cleanup') {
    await jsm.streams.delete(stream).catch(() => undefined);
  } else {
    await jsm.streams.add({ name: stream, subjects: [commands], retention: 'workqueue' });
    await jsm.consumers.add(stream, { durable_name: 'bare', ack_policy: AckPolicy.Explicit, max_ack_pending: Number(maxInFlight) });
    const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(poolMax) });
    const consumer = await js.consumers.get(stream, 'bare');
    const messages = await consumer.consume({ max_messages: Number(maxInFlight) });
    let done = 0;
    process.stdout.write('ready\n');
    const running = new Set();
    for await (const message of messages) {
      const work = (async () => {
        const command = JSON.parse(message.string());
        await pool.query('update items set quantity = quantity + $2, version = version + 1, updated_at = now() where id = $1', [command.data.itemId, command.data.delta]);
        message.ack();
        if (++done === total) process.stdout.write('done\n');
      })();
      running.add(work);
      work.finally(() => running.delete(work));
      if (running.size >= Number(maxInFlight)) await Promise.race(running);
    }
  }
  await nc.close();
}
`;

interface Started {
  child: ChildProcess;
  output: () => string;
}

function start(command: string, args: readonly string[], cwd: string, env: Record<string, string>): Started {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-50_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-50_000)));
  return { child, output: () => output };
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`consumer benchmark: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function measureBroker(broker: BrokerKind, rounds: number, log: (line: string) => void): Promise<BenchResult[]> {
  const suffix = randomBytes(3).toString('hex');
  const name = `bench-${broker === 'rabbitmq' ? 'rmq' : 'nats'}-${suffix}`;
  const work = await mkdtemp(join(tmpdir(), 'microforge-bench-consumer-'));
  const repo = join(work, name);
  const database = `bench_consumer_${suffix}`;
  const url = broker === 'rabbitmq' ? AMQP_URL : NATS_URL;
  const bareCommands = `${name}-bare.item.commands`;
  const node = serviceNodeBinary();
  const env = serviceNodeEnv();
  const driver = join(repo, 'bench-driver.mjs');
  const started: Started[] = [];
  try {
    const spec = completeSpec({ name, resource: 'item', storage: 'postgres', messaging: 'at-least-once', broker, cache: 'none' }, name, { includeUnavailable: true });
    for (const [path, bytes] of renderRepo(spec)) {
      await mkdir(dirname(join(repo, path)), { recursive: true });
      await writeFile(join(repo, path), bytes);
    }
    await writeFile(driver, DRIVER);
    log(`consumer benchmark (${broker}): installing and building the generated service`);
    await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: repo, env });
    await run('npm', ['run', 'build'], { cwd: repo, env });
    await psql('postgres', `create database ${database}`);
    const databaseUrl = `postgres://${PG.user}@${PG.host}:${PG.port}/${database}`;
    const driverArgs = (mode: string, commands: string, resourceId: string, target = 0) =>
      [driver, mode, broker, url, databaseUrl, commands, resourceId, String(MESSAGES), String(MAX_IN_FLIGHT), String(POOL_MAX), String(target)];
    /** Publishes a burst and returns messages per second until the consumer had applied it all (measured by the driver). */
    const burst = async (commands: string, resourceId: string, target: number) => {
      const output = await run(node, driverArgs('publish', commands, resourceId, target), { cwd: repo, env });
      const { appliedAfterMs } = JSON.parse(output.trim().split('\n').at(-1)!) as { appliedAfterMs: number };
      return MESSAGES / (appliedAfterMs / 1000);
    };

    // The generated service, as deployed, except for per-command info logs; and the bare consumer:
    // same broker, same row update, manual acks. Both stay up; each round drains, per spread, one
    // burst through the generated service onto fresh rows, then one through the bare consumer.
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const service = start(node, ['dist/main.js'], repo, {
      ...env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_MAX: String(POOL_MAX),
      MESSAGING_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      [broker === 'rabbitmq' ? 'AMQP_URL' : 'NATS_URL']: url,
    });
    started.push(service);
    await until('the service to be ready', async () => (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)), 60_000, 100);
    // The bare consumer only updates, so its rows exist beforehand (one set per spread, adding up
    // every round's burst); the generated one creates them.
    const bareRows = SPREADS.map((spread) => rowIds(spread.rows));
    const bareWarmUpRow = rowIds(1);
    const bareRowValues = [...bareRows, bareWarmUpRow].flatMap((ids) => ids.split(',')).map((id) => `('${id}', 'bench', 0)`);
    await psql(database, `insert into items (id, name, quantity) values ${bareRowValues.join(', ')}`);
    const bare = start(node, driverArgs('bare', bareCommands, bareWarmUpRow), repo, env);
    started.push(bare);
    await until('the bare consumer to be ready', () => bare.output().includes('ready'), 60_000);
    const drainedOutbox = () => until('the outbox to drain', async () => Number(await psql(database, 'select count(*) from outbox')) === 0, 60_000, 100);

    // Warm-up, discarded: a burst through each first, so that round 1 does not pay for JIT
    // compilation and the pools' first connections (the generated consumer has more code to warm).
    await burst(`${name}.item.commands`, rowIds(1), MESSAGES);
    await drainedOutbox();
    await burst(bareCommands, bareWarmUpRow, MESSAGES);

    const measured = SPREADS.map(() => ({ generatedRates: [] as number[], bareRates: [] as number[], generatedCpu: [] as number[], bareCpu: [] as number[] }));
    for (let round = 1; round <= rounds; round++) {
      for (const [index, spread] of SPREADS.entries()) {
        const { generatedRates, bareRates, generatedCpu, bareCpu } = measured[index]!;
        // The consumer process's own CPU per message, from /proc: unlike throughput, a neighbour
        // on the machine does not sway it (PostgreSQL's and the broker's CPU are not in it).
        const generatedCpuBefore = processCpuMs(service.child.pid);
        generatedRates.push(await burst(`${name}.item.commands`, rowIds(spread.rows), MESSAGES));
        await drainedOutbox();
        generatedCpu.push(((processCpuMs(service.child.pid) - generatedCpuBefore) * 1000) / MESSAGES);

        const bareCpuBefore = processCpuMs(bare.child.pid);
        bareRates.push(await burst(bareCommands, bareRows[index]!, MESSAGES * round));
        bareCpu.push(((processCpuMs(bare.child.pid) - bareCpuBefore) * 1000) / MESSAGES);
        log(`consumer benchmark (${broker}, ${spread.rows} row(s)): round ${round}/${rounds}: generated ${generatedRates.at(-1)!.toFixed(0)} msg/s, bare ${bareRates.at(-1)!.toFixed(0)} msg/s`);
      }
    }
    await stop(bare);
    await stop(service);

    return SPREADS.flatMap((spread, index) => {
      const { generatedRates, bareRates, generatedCpu, bareCpu } = measured[index]!;
      const where = spread.rows === 1 ? '' : `, spread over ${spread.rows} rows`;
      return [
        roundsResult({
          name: `consumer throughput, ${broker}, at-least-once + postgres${where}`,
          unit: 'messages/s',
          values: generatedRates,
          baselines: bareRates,
          ...('target' in spread ? { target: spread.target } : {}),
          better: 'higher',
          notes:
            `${MESSAGES} adjust commands in one burst onto ${spread.rows === 1 ? 'one row' : `${spread.rows} rows in turn`} per round, rounds in turn after a discarded warm-up burst through each; prefetch/max-ack-pending ${MAX_IN_FLIGHT}, pool ${POOL_MAX}; ` +
            'generated: inbox + update + outbox in one statement, those on one row that queue up together committed in one transaction (group commit), ack after commit, relay publishing with confirms (LOG_LEVEL=warn); ' +
            'bare: the same update in a transaction of its own per command, manual ack; both processes stay up (the idle one costs under 1 % of a core)',
        }),
        roundsResult({
          name: `consumer CPU per message, ${broker}, at-least-once + postgres${where}`,
          unit: 'µs',
          values: generatedCpu,
          baselines: bareCpu,
          notes: 'the consumer process only (the generated one also relays the outbox, with confirms), from /proc; the generated figure includes draining the outbox',
        }),
      ];
    });
  } finally {
    for (const process of started) await stop(process).catch(() => undefined);
    if (existsSync(driver)) {
      await run(node, [driver, 'cleanup', broker, url, '', bareCommands, '', '0', '0', '0'], { cwd: repo, env }).catch(() => undefined);
      await run(node, [driver, 'cleanup', broker, url, '', `${name}.item.commands`, '', '0', '0', '0'], { cwd: repo, env }).catch(() => undefined);
    }
    await removeServiceTopology({ broker, service: name, resource: 'item', repo, node, env }).catch(() => undefined);
    await psql('postgres', `drop database if exists ${database} with (force)`).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

/** One result per broker whose adapter is in this tree (RabbitMQ always; NATS once its adapter exists). */
export async function runConsumerBenchmark(options: { rounds: number; log?: (line: string) => void }): Promise<{ results: BenchResult[] }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const brokers: BrokerKind[] = ['rabbitmq'];
  if (existsSync(join(REPO_ROOT, 'templates', 'messaging', 'nats', 'src', 'messaging', 'nats-broker.ts'))) brokers.push('nats');
  const results: BenchResult[] = [];
  for (const broker of brokers) results.push(...(await measureBroker(broker, options.rounds, log)));
  return { results };
}
