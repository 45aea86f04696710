/**
 * Messaging, proven on the real brokers: for each broker × semantics, a generated service with
 * PostgreSQL consumes 1,000 adjust commands (100 of them sent twice, plus a poison message and
 * one whose transaction rolls back) while it is killed with SIGKILL twice and restarted.
 * At-least-once must end with exactly one increment per distinct id, every message
 * acknowledged, only the two bad ones dead-lettered and an event for every committed change;
 * at-most-once must never apply more than that, and reports how many it lost.
 * Then the queued-work endpoint on the running service: adjustments accepted with 202, worked
 * off through the real broker, and versions deciding between two based on the same ETag.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createTestDatabase,
  describeRun,
  freePort,
  http,
  makeWorkDir,
  messagingNames,
  npmWithServiceNode,
  openTestBroker,
  psql,
  runCli,
  startBuiltService,
  startTcpProxy,
  useE2eCleanup,
  waitUntil,
  type BrokerKind,
  type MessagingNames,
  type OutgoingCommand,
  type BuiltService,
  type TestDatabase,
} from './support/index.js';

useE2eCleanup(120_000);

const MINUTES = 60_000;
const RESOURCE = 'item';
const DISTINCT = 1000;
/** The database outage the service must ride through without losing or dead-lettering a command. */
const DATABASE_OUTAGE_MS = 60_000;
/** The broker outage during which HTTP must keep serving and every replica stay ready. */
const BROKER_OUTAGE_MS = 10_000;
/** How long the database stays frozen (its proxy SIGSTOPped: connections open, nothing moves). */
const DATABASE_FREEZE_MS = 30_000;
/**
 * The generated service's client-side deadline for a frozen database with its default settings:
 * query_timeout is DATABASE_STATEMENT_TIMEOUT_MS (5 s) + 1 s, a new connection gives up after
 * DATABASE_CONNECT_TIMEOUT_MS (5 s). Plus 2 s for a loaded machine.
 */
const FROZEN_DEADLINE_MS = 6_000 + 2_000;

/** Ends what a fault test started, whatever happened. */
async function tearDown(service: BuiltService, proxy: { stop(): Promise<void> }, client: { close(): Promise<void> }, database: TestDatabase): Promise<void> {
  service.child.kill('SIGTERM');
  await service.exited;
  await proxy.stop();
  await client.close();
  await database.drop();
}

/** `url` with its port replaced (to route a dependency through a proxy the test owns). */
function throughPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.host = `127.0.0.1:${port}`;
  return parsed.toString();
}

type Semantics = 'at-least-once' | 'at-most-once';
interface Scenario {
  broker: BrokerKind;
  semantics: Semantics;
}

const scenarios: Scenario[] = (['rabbitmq', 'nats'] as const).flatMap((broker) =>
  (['at-least-once', 'at-most-once'] as const).map((semantics) => ({ broker, semantics })),
);

async function generateRepo(dir: string, broker: BrokerKind, semantics: Semantics): Promise<void> {
  // No cache: this is about the broker and the database.
  const args = ['new', dir, '--yes', '--storage', 'postgres', '--cache', 'none', '--messaging', semantics, '--broker', broker, '--resource', RESOURCE];
  const result = await runCli([...args, '--skip-install', '--skip-git']);
  expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun('microforge new', result) }).toEqual({ exitCode: 0, output: '' });
}

function startService(repo: string, env: Record<string, string>, lines: string[], port: number): BuiltService {
  return startBuiltService(repo, port, { LOG_LEVEL: 'info', ...env }, lines);
}

async function waitReady(service: BuiltService): Promise<void> {
  await waitUntil(
    'readiness',
    async () => ((await http(`http://127.0.0.1:${service.port}/readyz`, { timeoutMs: 1000 })).status === 200 ? true : undefined),
    30_000,
    100,
  );
}

async function quantityOf(database: TestDatabase, id: string): Promise<number> {
  const value = await psql(database.name, `select coalesce((select quantity from items where id = '${id}'), 0)`);
  return Number(value);
}

/** Creates an item and queues an adjustment of it over HTTP (202); returns the status URL. */
async function createAndAdjust(base: string): Promise<string> {
  const json = { 'content-type': 'application/json' };
  const created = await http(`${base}/items`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'w', quantity: 1 }) });
  expect(created.status).toBe(201);
  const accepted = await http(`${base}/items/${(created.json as { id: string }).id}/adjustments`, {
    method: 'POST',
    headers: { ...json, 'if-match': created.headers['etag'] ?? '' },
    body: JSON.stringify({ delta: 2 }),
  });
  expect(accepted.status).toBe(202);
  return accepted.headers['location'] ?? '';
}

function adjust(id: string, resourceId: string, delta: number): OutgoingCommand {
  return { id, body: { id, type: 'adjust', data: { itemId: resourceId, delta } } };
}

describe.each(scenarios)('messaging on $broker, $semantics, with postgres', ({ broker, semantics }) => {
  const name = `mq-${broker === 'rabbitmq' ? 'rmq' : 'nats'}-${semantics === 'at-least-once' ? 'alo' : 'amo'}-${randomBytes(3).toString('hex')}`;
  const names: MessagingNames = messagingNames(name, RESOURCE);
  let repo = '';

  it('renders, installs and builds', async () => {
    repo = join(await makeWorkDir(`mq-${broker}-${semantics}`), name);
    await generateRepo(repo, broker, semantics);
    for (const args of [['install', '--no-audit', '--no-fund'], ['run', 'typecheck'], ['run', 'build']]) {
      const result = await npmWithServiceNode(repo, args, { timeoutMs: 5 * MINUTES });
      expect({ args, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(`npm ${args.join(' ')}`, result) }).toEqual({
        args,
        exitCode: 0,
        output: '',
      });
    }
  }, 6 * MINUTES);

  it('passes its own tests against the real broker and database', async () => {
    const database = await createTestDatabase('mq_own_tests');
    const client = await openTestBroker(broker, names);
    const result = await npmWithServiceNode(repo, ['test'], { env: { DATABASE_URL: database.url, ...client.serviceEnv }, timeoutMs: 6 * MINUTES });
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun('npm test', result) }).toEqual({ exitCode: 0, output: '' });
    expect(Number(/^ℹ fail (\d+)$/m.exec(result.stdout)?.[1] ?? -1)).toBe(0);
    expect(Number(/^ℹ skipped (\d+)$/m.exec(result.stdout)?.[1] ?? 0)).toBe(0);
    await client.close();
  }, 7 * MINUTES);

  it(`${semantics}: 1,000 commands with duplicates, a poison message, a rollback and two SIGKILLs`, async () => {
    const database = await createTestDatabase('mq_kill');
    const client = await openTestBroker(broker, names);
    await client.captureEvents();
    const env = { DATABASE_URL: database.url, ...client.serviceEnv };
    const lines: string[] = [];
    const port = await freePort();

    const resourceId = randomUUID();
    const rollbackResource = randomUUID();
    const ids: string[] = Array.from({ length: DISTINCT }, () => randomUUID());
    const commands: OutgoingCommand[] = [];
    ids.forEach((id, index) => {
      commands.push(adjust(id, resourceId, 1));
      if (index % 10 === 5) commands.push(adjust(ids[index - 5] as string, resourceId, 1)); // 100 duplicates
      if (index === 300) commands.push({ id: 'poison-json', body: 'not json {' });
      if (index === 400) commands.push({ id: 'poison-type', body: { id: 'poison-type', type: 'explode', data: {} } });
      if (index === 500) commands.push(adjust('rolled-back', rollbackResource, -5)); // would make quantity negative
    });

    let service = startService(repo, env, lines, port);
    await waitReady(service);
    const started = Date.now();
    await client.publish(commands);

    const kills: number[] = [];
    for (const threshold of [250, 600]) {
      const reached = await waitUntil('progress', async () => {
        const quantity = await quantityOf(database, resourceId);
        return quantity >= threshold ? quantity : undefined;
      }, 60_000, 10);
      service.child.kill('SIGKILL');
      expect((await service.exited).signal).toBe('SIGKILL');
      kills.push(reached);
      service = startService(repo, env, lines, port);
      await waitReady(service);
    }

    // Done when nothing is pending (commands pulled by a killed consumer come back after the
    // broker's ack wait), nothing more is applied and the outbox has been relayed.
    await waitUntil('the commands to drain', async () => {
      if (semantics === 'at-least-once' && (await quantityOf(database, resourceId)) < DISTINCT) return undefined;
      if ((await client.pendingCommands()) > 0) return undefined;
      const applied = Number(await psql(database.name, 'select count(*) from inbox'));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const again = Number(await psql(database.name, 'select count(*) from inbox'));
      const outbox = Number(await psql(database.name, 'select count(*) from outbox'));
      return outbox === 0 && again === applied ? true : undefined;
    }, 90_000, 200);
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    const elapsedMs = Date.now() - started;

    const quantity = await quantityOf(database, resourceId);
    const applied = (await psql(database.name, 'select message_id from inbox')).split('\n').filter(Boolean);
    const pending = await client.pendingCommands();
    const deadLetters = (await client.deadLetters()).map((message) => message.id ?? '?').sort();
    const events = (await client.events()).map((message) => JSON.parse(message.body) as { id: string; type: string; data: { commandId: string } });
    const eventCommands = new Set(events.filter((event) => event.type === `${RESOURCE}.adjusted`).map((event) => event.data.commandId));
    const handled = lines.filter((line) => line.includes('"msg":"item adjusted"')).map((line) => JSON.parse(line) as { deliveryCount: number; messageId: string });

    process.stdout.write(
      `${broker} ${semantics}: ${commands.length} sent (${DISTINCT} distinct ids), killed at quantity ${kills.join(' and ')}, ` +
        `final quantity ${quantity} (lost ${DISTINCT - quantity}), dead letters [${deadLetters.join(', ')}], ` +
        `${events.length} events, ${pending} pending, ${elapsedMs} ms\n`,
    );

    expect(pending).toBe(0);
    expect(await quantityOf(database, rollbackResource)).toBe(0);
    // One event for every committed change, none for the rolled-back one.
    expect([...eventCommands].sort()).toEqual(applied.filter((id) => ids.includes(id)).sort());
    expect(eventCommands.has('rolled-back')).toBe(false);
    if (semantics === 'at-least-once') {
      expect(quantity).toBe(DISTINCT);
      expect(deadLetters).toEqual(['poison-json', 'poison-type', 'rolled-back']);
    } else {
      expect(quantity).toBeLessThanOrEqual(DISTINCT);
      expect(applied.filter((id) => ids.includes(id))).toHaveLength(quantity);
      // At-most-once never hands a command to the handler twice.
      expect(handled.filter((entry) => entry.deliveryCount > 1)).toEqual([]);
      for (const id of deadLetters) expect(['poison-json', 'poison-type', 'rolled-back']).toContain(id);
    }
    await client.close();
    await database.drop();
  }, 4 * MINUTES);
  if (semantics === 'at-least-once') {
    it(`rides through a ${DATABASE_OUTAGE_MS / 1000} s database outage: HTTP answers 503 with Retry-After, 0 commands lost, 0 dead-lettered`, async () => {
      const database = await createTestDatabase('mq_db_outage');
      const proxy = await startTcpProxy(5432);
      const client = await openTestBroker(broker, names);
      const lines: string[] = [];
      const service = startService(repo, { DATABASE_URL: throughPort(database.url, proxy.port), ...client.serviceEnv }, lines, await freePort());
      const base = `http://127.0.0.1:${service.port}`;
      try {
        await waitReady(service);
        const resourceId = randomUUID();
        const commands = Array.from({ length: 500 }, () => adjust(randomUUID(), resourceId, 1));
        await client.publish(commands.slice(0, 100));
        await waitUntil('the first commands to apply', async () => ((await quantityOf(database, resourceId)) >= 50 ? true : undefined), 60_000, 20);

        await proxy.cut();
        const cutAt = Date.now();
        // Commands keep arriving while the database is away.
        await client.publish(commands.slice(100));
        const during = await http(`${base}/items?limit=1`, { timeoutMs: 15_000 });
        const answeredInMs = Date.now() - cutAt;
        expect({ status: during.status, retryAfter: during.headers['retry-after'] }).toEqual({ status: 503, retryAfter: '5' });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, DATABASE_OUTAGE_MS - (Date.now() - cutAt))));
        await proxy.restore();
        const restoredAt = Date.now();
        await waitUntil('every command to apply', async () => ((await quantityOf(database, resourceId)) >= commands.length ? true : undefined), 120_000, 50);
        const recoveryMs = Date.now() - restoredAt;
        await waitUntil('the queue to drain', async () => ((await client.pendingCommands()) === 0 ? true : undefined), 60_000, 200);

        const deadLetters = await client.deadLetters();
        const unavailableLogs = lines.filter((line) => line.includes('a dependency is unavailable')).length;
        process.stdout.write(
          `${broker}: ${DATABASE_OUTAGE_MS / 1000} s database outage with ${commands.length} commands: quantity ${await quantityOf(database, resourceId)}, ` +
            `${deadLetters.length} dead-lettered, HTTP 503 after ${answeredInMs} ms, all applied ${recoveryMs} ms after the database returned, ` +
            `${unavailableLogs} 'unavailable' log lines\n`,
        );
        expect(await quantityOf(database, resourceId)).toBe(commands.length);
        expect(deadLetters.map((message) => message.id)).toEqual([]);
        expect(answeredInMs).toBeLessThan(10_000);
        // Rate-limited: a line per distinct error per 10 s, not one per attempt.
        expect(unavailableLogs).toBeLessThan(60);
        expect(service.child.exitCode).toBeNull();
      } finally {
        await tearDown(service, proxy, client, database);
      }
    }, 5 * MINUTES);

    it(`a database frozen for ${DATABASE_FREEZE_MS / 1000} s (kill -STOP of its proxy): every request answers 503 with Retry-After within the client-side deadline, accepted work is neither lost nor dead-lettered, recovery after kill -CONT is bounded`, async () => {
      const database = await createTestDatabase('mq_db_freeze');
      const proxy = await startTcpProxy(5432);
      const client = await openTestBroker(broker, names);
      const lines: string[] = [];
      const service = startService(repo, { DATABASE_URL: throughPort(database.url, proxy.port), ...client.serviceEnv }, lines, await freePort());
      const base = `http://127.0.0.1:${service.port}`;
      const json = { 'content-type': 'application/json' };
      let frozen = false;
      try {
        await waitReady(service);
        // Work accepted over HTTP just before the freeze: each must end done.
        const statusUrls: string[] = [];
        for (let index = 0; index < 5; index++) {
          statusUrls.push(await createAndAdjust(base));
        }
        const resourceId = randomUUID();
        const commands = Array.from({ length: 300 }, () => adjust(randomUUID(), resourceId, 1));
        await client.publish(commands.slice(0, 100));
        await waitUntil('the first commands to apply', async () => ((await quantityOf(database, resourceId)) >= 20 ? true : undefined), 60_000, 20);

        proxy.freeze();
        frozen = true;
        const frozenAt = Date.now();
        // Commands keep arriving while the database is frozen.
        await client.publish(commands.slice(100));
        const answers: Array<{ method: string; status: number | string; retryAfter: string | undefined; ms: number }> = [];
        while (Date.now() - frozenAt < DATABASE_FREEZE_MS - FROZEN_DEADLINE_MS) {
          for (const [method, url, body] of [
            ['GET', `${base}/items?limit=1`, undefined],
            ['POST', `${base}/items`, JSON.stringify({ name: 'during', quantity: 1 })],
          ] as const) {
            const startedAt = Date.now();
            try {
              const response = await http(url, { method, headers: json, ...(body === undefined ? {} : { body }), timeoutMs: 3 * FROZEN_DEADLINE_MS });
              answers.push({ method, status: response.status, retryAfter: response.headers['retry-after'], ms: Date.now() - startedAt });
            } catch (error) {
              answers.push({ method, status: `no answer: ${String(error)}`, retryAfter: undefined, ms: Date.now() - startedAt });
            }
          }
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, DATABASE_FREEZE_MS - (Date.now() - frozenAt))));
        proxy.thaw();
        frozen = false;
        const thawedAt = Date.now();
        const [commandsRecoveryMs, servingAgain] = await Promise.all([
          waitUntil('every command to apply', async () => ((await quantityOf(database, resourceId)) >= commands.length ? Date.now() - thawedAt : undefined), 120_000, 50),
          waitUntil('a 200 again', async () => ((await http(`${base}/items?limit=1`, { timeoutMs: 10_000 })).status === 200 ? Date.now() - thawedAt : undefined), 60_000, 50),
        ]);
        for (const url of statusUrls) {
          const status = await waitUntil('the adjustment to finish', async () => {
            const body = (await http(`${base}${url}`)).json as { status: string };
            return body.status === 'pending' ? undefined : body.status;
          }, 60_000, 100);
          expect(status).toBe('done');
        }
        await waitUntil('the queue to drain', async () => ((await client.pendingCommands()) === 0 ? true : undefined), 60_000, 200);
        const deadLetters = await client.deadLetters();
        const slowest = Math.max(...answers.map((answer) => answer.ms));
        process.stdout.write(
          `${broker}: database frozen ${DATABASE_FREEZE_MS / 1000} s with ${commands.length} commands: ${answers.length} requests during it, ` +
            `statuses ${JSON.stringify([...new Set(answers.map((answer) => answer.status))])}, slowest answer ${slowest} ms, ` +
            `quantity ${await quantityOf(database, resourceId)}, ${deadLetters.length} dead-lettered, all applied ${commandsRecoveryMs} ms after kill -CONT, ` +
            `HTTP 200 again ${servingAgain} ms after it\n`,
        );
        expect(answers.length).toBeGreaterThanOrEqual(4);
        expect(answers.filter((answer) => answer.status !== 503 || answer.retryAfter !== '5')).toEqual([]);
        expect(slowest).toBeLessThan(FROZEN_DEADLINE_MS);
        expect(await quantityOf(database, resourceId)).toBe(commands.length);
        expect(deadLetters.map((message) => message.id)).toEqual([]);
        expect(commandsRecoveryMs).toBeLessThan(15_000);
        expect(service.child.exitCode).toBeNull();
      } finally {
        if (frozen) proxy.thaw();
        await tearDown(service, proxy, client, database);
      }
    }, 5 * MINUTES);

    it(`keeps serving and stays ready through a ${BROKER_OUTAGE_MS / 1000} s broker outage; accepted work completes once it returns`, async () => {
      const database = await createTestDatabase('mq_broker_outage');
      const client = await openTestBroker(broker, names);
      const brokerUrlKey = Object.keys(client.serviceEnv)[0] as string;
      const brokerUrl = client.serviceEnv[brokerUrlKey] as string;
      const proxy = await startTcpProxy(Number(new URL(brokerUrl).port));
      const lines: string[] = [];
      const service = startService(repo, { DATABASE_URL: database.url, [brokerUrlKey]: throughPort(brokerUrl, proxy.port) }, lines, await freePort());
      const base = `http://127.0.0.1:${service.port}`;
      try {
        await waitReady(service);
        await proxy.cut();
        const cutAt = Date.now();
        const notReady: number[] = [];
        const statusUrls: string[] = [];
        let requests = 0;
        while (Date.now() - cutAt < BROKER_OUTAGE_MS) {
          const ready = await http(`${base}/readyz`, { timeoutMs: 5_000 });
          if (ready.status !== 200) notReady.push(ready.status);
          statusUrls.push(await createAndAdjust(base));
          requests += 3;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await proxy.restore();
        const restoredAt = Date.now();
        for (const url of statusUrls) {
          await waitUntil('the adjustment to finish', async () => {
            const body = (await http(`${base}${url}`)).json as { status: string };
            return body.status === 'pending' ? undefined : body.status;
          }, 60_000, 100);
          expect(((await http(`${base}${url}`)).json as { status: string }).status).toBe('done');
        }
        const recoveryMs = Date.now() - restoredAt;
        process.stdout.write(
          `${broker}: ${BROKER_OUTAGE_MS / 1000} s broker outage: ${requests} requests, ${notReady.length} not-ready answers, ` +
            `${statusUrls.length} adjustments accepted meanwhile, all done ${recoveryMs} ms after the broker returned\n`,
        );
        expect(notReady).toEqual([]);
        expect(recoveryMs).toBeLessThan(15_000);
      } finally {
        await tearDown(service, proxy, client, database);
      }
    }, 3 * MINUTES);
  }

  it('queued adjustments over HTTP: 202 and a status URL, worked off through the broker, versions decide', async () => {
    const database = await createTestDatabase('mq_http');
    const client = await openTestBroker(broker, names);
    const lines: string[] = [];
    const service = startService(repo, { DATABASE_URL: database.url, ...client.serviceEnv }, lines, await freePort());
    const base = `http://127.0.0.1:${service.port}`;
    const json = { 'content-type': 'application/json' };
    try {
      await waitReady(service);
      const created = await http(`${base}/items`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'widget', quantity: 10 }) });
      expect(created.status).toBe(201);
      const { id } = created.json as { id: string };
      const etag = created.headers['etag'] ?? '';
      const submit = (delta: number) =>
        http(`${base}/items/${id}/adjustments`, { method: 'POST', headers: { ...json, 'if-match': etag }, body: JSON.stringify({ delta }) });
      // Five based on the same ETag: some may already see a newer version when they arrive (412);
      // of those accepted, the command's version decides: exactly one applies, the rest fail.
      const responses = await Promise.all([1, 2, 3, 4, 5].map((delta) => submit(delta)));
      for (const response of responses) expect([202, 412]).toContain(response.status);
      const accepted = responses.filter((response) => response.status === 202);
      expect(accepted.length).toBeGreaterThan(0);
      const finished = await Promise.all(
        accepted.map((response) =>
          waitUntil('the adjustment to finish', async () => {
            const status = await http(`${base}${response.headers['location'] ?? ''}`);
            const body = status.json as { status: string; error: string | null; delta: number };
            return body.status === 'pending' ? undefined : body;
          }, 30_000, 100),
        ),
      );
      const done = finished.filter((body) => body.status === 'done');
      expect(done).toHaveLength(1);
      for (const body of finished.filter((candidate) => candidate.status !== 'done')) {
        expect({ status: body.status, error: body.error }).toEqual({ status: 'failed', error: expect.stringMatching(/^conflict: /) });
      }
      const current = (await http(`${base}/items/${id}`)).json as { quantity: number; version: number };
      expect({ version: current.version, quantity: current.quantity }).toEqual({ version: 2, quantity: 10 + (done[0]?.delta ?? 0) });
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
      await client.close();
      await database.drop();
    }
  }, 2 * MINUTES);
});
