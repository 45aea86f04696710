/**
 * `microforge add resource` proven on real repos (issue 19): for the default repo (PostgreSQL,
 * Redis cache, at-least-once RabbitMQ) and for PostgreSQL without cache and messaging, add two
 * resources with every field type, install, build, pass the repo's own tests against the real
 * servers and the embedded database, then run the service read-only as uid 10001 and do a full
 * CRUD round trip on each new resource, with the example resource still served.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { EVERY_TYPE, EVERY_TYPE_FLIPPED } from './support/resource-fields.js';
import { AMQP_TEST_URL, messagingNames, openTestBroker, type TestBrokerClient } from './support/brokers.js';
import { createTestDatabase, describeRun, envWithServiceNode, freePort, http, isolatedTmpDir, makeWorkDir, npmWithServiceNode, runCli, startHardened, useE2eCleanup, type TestDatabase } from './support/index.js';

useE2eCleanup();

const MINUTES = 60_000;
const REDIS_URL = process.env.MICROFORGE_E2E_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Scenario {
  label: string;
  options: string[];
  messaging: boolean;
}

const scenarios: Scenario[] = [
  { label: 'the default repo', options: [], messaging: true },
  { label: 'postgres without cache and messaging', options: ['--cache', 'none', '--messaging', 'none'], messaging: false },
];

/** One valid body per resource, every field set, and a body with each field of the wrong type. */
const RESOURCES = [
  {
    plural: 'orders',
    add: ['order', ...EVERY_TYPE.flatMap((field) => ['--field', field])],
    valid: { title: 'first', body: 'two\nlines', count: 7, price: 12.5, active: true, dueAt: '2026-01-02T03:04:05.678Z', ownerId: '7d444840-9dc0-41ab-9a8b-5b3c1a6e1c02' },
    replaced: { title: 'second', body: null, count: -3, price: null, active: false, dueAt: null, ownerId: '0b5e4a53-35f1-4c5b-8f0e-5a4f7a2b9c11' },
    wrongType: { count: 'seven' },
    queuedChange: { title: 'queued', price: 3.75 },
  },
  {
    plural: 'order-lines',
    add: ['order-line', ...EVERY_TYPE_FLIPPED.flatMap((field) => ['--field', field])],
    valid: { label: 'l', notes: 'n', quantity: 1, weight: 0.125, done: false, shippedAt: '2026-06-30T23:59:59.000Z', ref: null },
    replaced: { label: null, notes: 'm', quantity: null, weight: 99, done: true, shippedAt: '2026-07-01T00:00:00.000Z', ref: '7d444840-9dc0-41ab-9a8b-5b3c1a6e1c02' },
    wrongType: { weight: 'heavy' },
    queuedChange: { label: null, weight: 1.5 },
  },
] as const;

/**
 * With messaging: an update queued with If-Match "2", answered 202 with a status URL, applied by
 * the running service's consumer (the status turns done with version 3). Returns the ETag to delete with.
 */
async function queuedUpdate(base: string, id: string, resource: (typeof RESOURCES)[number]): Promise<string> {
  expect((await http(`${base}/${id}/updates`, { method: 'POST', body: resource.queuedChange })).status).toBe(428);
  const accepted = await http<{ statusUrl: string; status: string }>(`${base}/${id}/updates`, { method: 'POST', headers: { 'if-match': '"2"' }, body: resource.queuedChange });
  expect(accepted.status).toBe(202);
  expect(accepted.json?.status).toBe('pending');
  const statusUrl = `${base.slice(0, base.lastIndexOf('/'))}${accepted.json?.statusUrl ?? ''}`;
  const deadline = Date.now() + 30_000;
  let status: { status: string; resultVersion: number | null; error: string | null } | undefined;
  while (Date.now() < deadline) {
    status = (await http<{ status: string; resultVersion: number | null; error: string | null }>(statusUrl)).json;
    if (status?.status !== 'pending') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(status).toEqual(expect.objectContaining({ status: 'done', resultVersion: 3, error: null }));
  expect((await http<Record<string, unknown>>(`${base}/${id}`)).json).toMatchObject({ ...resource.replaced, ...resource.queuedChange, version: 3 });
  return '"3"';
}

async function crudRoundTrip(baseUrl: string, resource: (typeof RESOURCES)[number], messaging: boolean): Promise<string> {
  const base = `${baseUrl}/${resource.plural}`;
  expect((await http(base, { method: 'POST', body: { ...resource.valid, ...resource.wrongType } })).status).toBe(400);
  const created = await http<Record<string, unknown> & { id: string }>(base, { method: 'POST', body: resource.valid });
  expect(created.status).toBe(201);
  expect(created.json).toMatchObject(resource.valid);
  const id = created.json?.id ?? '';
  const etag = created.headers['etag'] ?? '';
  expect((await http(`${base}/${id}`, { method: 'PUT', body: resource.replaced })).status).toBe(428);
  expect((await http(`${base}/${id}`, { method: 'PUT', headers: { 'if-match': '"9"' }, body: resource.replaced })).status).toBe(412);
  const replaced = await http<Record<string, unknown>>(`${base}/${id}`, { method: 'PUT', headers: { 'if-match': etag }, body: resource.replaced });
  expect(replaced.status).toBe(200);
  expect(replaced.json).toMatchObject(resource.replaced);
  // Read back through the cache (when there is one): the write dropped the cached copy.
  expect((await http<Record<string, unknown>>(`${base}/${id}`)).json).toMatchObject({ ...resource.replaced, version: 2 });
  const second = await http<{ id: string }>(base, { method: 'POST', body: resource.valid });
  const page = await http<{ data: Array<{ id: string }>; page: { nextOffset: number | null } }>(`${base}?limit=1`);
  expect(page.json?.data.map((entry) => entry.id)).toEqual([id]);
  expect(page.json?.page.nextOffset).toBe(1);
  const next = await http<{ data: Array<{ id: string }>; page: { nextOffset: number | null } }>(`${base}?limit=1&offset=1`);
  expect(next.json?.data.map((entry) => entry.id)).toEqual([second.json?.id]);
  expect(next.json?.page.nextOffset).toBeNull();
  expect((await http(`${base}/${id}`, { method: 'DELETE' })).status).toBe(428);
  const current = messaging ? await queuedUpdate(base, id, resource) : '"2"';
  expect((await http(`${base}/${id}`, { method: 'DELETE', headers: { 'if-match': current } })).status).toBe(204);
  expect((await http(`${base}/${id}`)).status).toBe(404);
  return id;
}

describe.each(scenarios)('add resource in $label', (scenario) => {
  const name = `res-${randomBytes(3).toString('hex')}`;
  let repo = '';
  let database: TestDatabase;
  let broker: TestBrokerClient | undefined;
  const backingServices = (): Record<string, string> => ({ REDIS_URL, AMQP_URL: AMQP_TEST_URL });

  it('adds two resources with every field type to a new repo, then installs and builds', async () => {
    const work = await makeWorkDir('e2e-resources');
    repo = join(work, name);
    const generated = await runCli(['new', repo, '--yes', '--skip-install', ...scenario.options], { env: envWithServiceNode() });
    expect({ exitCode: generated.exitCode, output: generated.exitCode === 0 ? '' : describeRun('new', generated) }).toEqual({ exitCode: 0, output: '' });
    for (const resource of RESOURCES) {
      const added = await runCli(['add', 'resource', ...resource.add, '--skip-install'], { cwd: repo, env: envWithServiceNode() });
      expect({ exitCode: added.exitCode, output: added.exitCode === 0 ? '' : describeRun('add resource', added) }).toEqual({ exitCode: 0, output: '' });
      await execa('git', ['add', '--all'], { cwd: repo });
      await execa('git', ['commit', '-qm', `add ${resource.plural}`], { cwd: repo });
    }
    for (const args of [['install', '--no-audit', '--no-fund'], ['run', 'typecheck'], ['run', 'build']]) {
      const result = await npmWithServiceNode(repo, args, { timeoutMs: 5 * MINUTES });
      expect({ args, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(args.join(' '), result) }).toEqual({ args, exitCode: 0, output: '' });
    }
    database = await createTestDatabase('mf_resources');
  }, 8 * MINUTES);

  it('passes its own tests against the real PostgreSQL, Redis and RabbitMQ', async () => {
    // Its migration and backup tests run only here, against the real server: nothing of theirs may stay in the temp dir.
    const tmp = await isolatedTmpDir(dirname(repo));
    const result = await npmWithServiceNode(repo, ['test'], { env: { DATABASE_URL: database.url, ...backingServices(), TMPDIR: tmp.path }, timeoutMs: 8 * MINUTES });
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun('npm test', result) }).toEqual({ exitCode: 0, output: '' });
    expect(await tmp.leftovers()).toEqual([]);
    expect(Number(/^ℹ fail (\d+)$/m.exec(result.stdout)?.[1] ?? -1)).toBe(0);
    // The added resources' own suites ran, and nothing was skipped on the real server.
    for (const plural of ['/orders', '/order-lines']) expect(result.stdout).toMatch(new RegExp(`^✔ ${plural} \\(`, 'm'));
    expect(Number(/^ℹ skipped (\d+)$/m.exec(result.stdout)?.[1] ?? -1)).toBe(0);
    // The route fuzz attacked the added resources' routes too, and (with messaging) their queued updates.
    const fuzzed = /^fuzzing \d+ routes: (.*)$/m.exec(result.stdout)?.[1] ?? '';
    const queued = scenario.messaging ? ['POST /orders/:id/updates', 'GET /order-lines/:id/updates/:updateId'] : [];
    for (const route of ['POST /orders', 'PUT /orders/:id', 'DELETE /order-lines/:id', ...queued]) expect(fuzzed.split(', ')).toContain(route);
    if (scenario.messaging) {
      for (const plural of ['/orders', '/order-lines']) expect(result.stdout).toMatch(new RegExp(`^✔ ${plural}/:id/updates \\(queued updates\\)`, 'm'));
      // docs/asyncapi.yaml (which the repo's asyncapi test holds equal to the code) lists their command and events.
      const asyncApi = parse(await readFile(join(repo, 'docs', 'asyncapi.yaml'), 'utf8')) as { components: { messages: Record<string, { name: string }> } };
      const names = Object.values(asyncApi.components.messages).map((message) => message.name);
      expect(names).toEqual(expect.arrayContaining(['update-order', 'update-order-line', 'order.updated', 'order.deleted', 'order-line.updated', 'order-line.deleted']));
      expect(result.stdout).toMatch(/^✔ docs\/asyncapi\.yaml \(/m);
    }
  }, 9 * MINUTES);

  it('passes its own tests against the embedded database', async () => {
    // Every file, the example's queued commands included: the embedded server gives each
    // connection the session for a whole unit of work, so named prepared statements no longer meet.
    const result = await npmWithServiceNode(repo, ['test'], { env: { DATABASE_URL: '', ...backingServices() }, timeoutMs: 8 * MINUTES });
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun('npm test (embedded)', result) }).toEqual({ exitCode: 0, output: '' });
    expect(result.stdout).toMatch(/^database: embedded PostgreSQL/m);
    for (const plural of ['/orders', '/order-lines']) expect(result.stdout).toMatch(new RegExp(`^✔ ${plural} \\(`, 'm'));
  }, 9 * MINUTES);

  it('serves every resource read-only as uid 10001: CRUD with 400, 428, 412, paging, a queued update applied by the consumer (with messaging) and delete, the example too', async () => {
    if (scenario.messaging) {
      broker = await openTestBroker('rabbitmq', messagingNames(name, 'item'));
      await broker.captureEvents();
    }
    const port = await freePort();
    const service = await startHardened({
      cwd: repo,
      command: 'node',
      args: ['dist/main.js'],
      env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: database.url, ...(scenario.messaging ? backingServices() : {}) },
      port,
      watchCwd: true,
    });
    await service.waitForHttp('/readyz', { status: 200, timeoutMs: 60_000 });
    const deletedIds: string[] = [];
    for (const resource of RESOURCES) deletedIds.push(await crudRoundTrip(service.baseUrl ?? '', resource, scenario.messaging));
    const item = await http<{ id: string }>(`${service.baseUrl}/items`, { method: 'POST', body: { name: 'still here', quantity: 1 } });
    expect(item.status).toBe(201);
    expect((await http<{ name: string }>(`${service.baseUrl}/items/${item.json?.id}`)).json?.name).toBe('still here');
    if (broker) {
      // Each queued update's and each delete's event went out through the outbox.
      const deadline = Date.now() + 20_000;
      const types: string[] = [];
      while (Date.now() < deadline) {
        // events() drains what arrived so far: keep what each poll read.
        types.push(...(await broker.events()).map((event) => (JSON.parse(event.body) as { type: string }).type));
        if (['order.updated', 'order-line.updated', 'order.deleted', 'order-line.deleted'].every((type) => types.includes(type))) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(types).toEqual(expect.arrayContaining(['order.updated', 'order-line.updated', 'order.deleted', 'order-line.deleted']));
    }
    const exit = await service.stop({ signal: 'SIGTERM', graceMs: 10_000 });
    // Only now: a running service declares its queues and exchange again when they are deleted under it.
    await broker?.close();
    expect({ code: exit.code, output: exit.code === 0 ? '' : service.output() }).toEqual({ code: 0, output: '' });
    expect(await service.cwdChanges()).toEqual({ added: [], removed: [], changed: [] });
    expect(service.stderrLines.filter((line) => line.trim() !== '')).toEqual([]);
  }, 3 * MINUTES);
});
