/**
 * The read cache, proven with two replicas of one generated service on one database, for each
 * cache kind (PostgreSQL storage, no messaging): the repo's own tests pass against the real
 * PostgreSQL and Redis; a write through replica A is never served stale by replica B once the
 * invalidation has arrived, within a measured bound, also for a write that bypasses the service
 * (raw SQL); 200 concurrent reads of a cold key cost one database load; and (Redis) stopping
 * Redis during a load run fails no request and keeps /readyz green, and hits resume once Redis
 * is back. One install per kind. Redis is a private redis-server on a free port that the test
 * starts, crashes and restarts by its PID: the machine's Redis on 6379 is shared and never touched.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createTestDatabase,
  describeRun,
  freePort,
  http,
  makeWorkDir,
  npmWithServiceNode,
  psql,
  runCli,
  startHardened,
  startPrivateRedis,
  tcpOpen,
  useE2eCleanup,
  type HardenedProcess,
  type PrivateRedis,
  type TestDatabase,
} from './support/index.js';

useE2eCleanup(120_000);

const MINUTES = 60_000;
/** The stale bound asserted: B serves the new version at most this long after A's write answered. */
const STALE_BOUND_MS = 1_000;

type Kind = 'memory' | 'redis';

interface Item {
  id: string;
  name: string;
  quantity: number;
  version: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sum of a Prometheus sample family from /metrics, e.g. cache_hits_total{entry="by_id"}. */
async function metric(service: HardenedProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const { text } = await http(`${service.baseUrl}/metrics`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).some(([key, value]) => !line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function read(service: HardenedProcess, id: string): Promise<Item | undefined> {
  const response = await http<Item>(`${service.baseUrl}/items/${id}`);
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`GET /items/${id} answered ${response.status}: ${response.text}`);
  return response.json;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Polls B until `accept` holds; returns how long that took after `since`. Fails past 5 s. */
async function timeUntil(service: HardenedProcess, id: string, accept: (item: Item | undefined) => boolean, since: number): Promise<number> {
  for (;;) {
    if (accept(await read(service, id))) return Date.now() - since;
    if (Date.now() - since > 5_000) throw new Error(`replica never served the new state of ${id}`);
    await sleep(2);
  }
}

describe.each<Kind>(['memory', 'redis'])('cache %s: two replicas on one database', (kind) => {
  const name = `cache-${kind}-${randomBytes(3).toString('hex')}`;
  let repo = '';
  let database: TestDatabase;
  let a: HardenedProcess;
  let b: HardenedProcess;
  let redis: PrivateRedis | undefined;

  async function startReplica(): Promise<HardenedProcess> {
    const port = await freePort();
    const replica = await startHardened({
      cwd: repo,
      command: 'node',
      args: ['dist/main.js'],
      port,
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        DATABASE_URL: database.url,
        ...(redis ? { REDIS_URL: redis.url } : {}),
      },
    });
    await replica.waitForHttp('/readyz', { timeoutMs: 30_000 });
    return replica;
  }

  it('generates, installs, builds and passes its own tests against PostgreSQL and Redis', async () => {
    const work = await makeWorkDir(`cache-${kind}`);
    const created = await runCli(['new', name, '--yes', '--storage', 'postgres', '--cache', kind, '--messaging', 'none', '--resource', 'item', '--skip-install', '--skip-git'], { cwd: work });
    expect({ exitCode: created.exitCode, output: created.exitCode === 0 ? '' : describeRun('microforge new', created) }).toEqual({ exitCode: 0, output: '' });
    repo = join(work, name);
    for (const args of [['install', '--no-audit', '--no-fund'], ['run', 'build']]) {
      const result = await npmWithServiceNode(repo, args, { timeoutMs: 5 * MINUTES });
      expect({ args, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(`npm ${args.join(' ')}`, result) }).toEqual({ args, exitCode: 0, output: '' });
    }
    if (kind === 'redis') redis = await startPrivateRedis();
    const ownTests = await createTestDatabase('cache_own_tests');
    const result = await npmWithServiceNode(repo, ['test'], { env: { DATABASE_URL: ownTests.url, ...(redis ? { REDIS_URL: redis.url } : {}) }, timeoutMs: 4 * MINUTES });
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun('npm test', result) }).toEqual({ exitCode: 0, output: '' });
    expect(Number(/^ℹ fail (\d+)$/m.exec(result.stdout)?.[1] ?? -1)).toBe(0);
    expect(Number(/^ℹ pass (\d+)$/m.exec(result.stdout)?.[1] ?? 0)).toBeGreaterThan(0);
    await ownTests.drop();
  }, 10 * MINUTES);

  it(`never serves a write through A stale from B once invalidated: bound < ${STALE_BOUND_MS} ms, raw SQL writes included`, async () => {
    expect(repo).not.toBe('');
    database = await createTestDatabase(`cache_${kind}`);
    a = await startReplica();
    b = await startReplica();

    const created = await http<Item>(`${a.baseUrl}/items`, { body: { name: 'first', quantity: 1 } });
    expect(created.status).toBe(201);
    const id = created.json!.id;
    const delays: number[] = [];
    for (let version = 1; version <= 20; version++) {
      // Every earlier write's notification has reached B (the create's and version - 1 updates'), so
      // none arrives between the two reads below and empties B's cache.
      await until(`B to have heard ${version} notifications`, async () =>
        (await metric(b, 'cache_invalidations_total', { entry: 'by_id', source: 'notification' })) >= version);
      // B holds the current version in its cache (a hit on the second read)...
      const hitsBefore = await metric(b, 'cache_hits_total', { entry: 'by_id' });
      expect((await read(b, id))?.version).toBe(version);
      expect((await read(b, id))?.version).toBe(version);
      expect(await metric(b, 'cache_hits_total', { entry: 'by_id' })).toBeGreaterThan(hitsBefore);
      // ...when A changes it: B must serve the new version within the bound, and never the old one after.
      const put = await http<Item>(`${a.baseUrl}/items/${id}`, { method: 'PUT', headers: { 'if-match': `"${version}"` }, body: { name: 'first', quantity: version + 1 } });
      expect(put.status).toBe(200);
      const answered = Date.now();
      expect((await read(a, id))?.version).toBe(version + 1);
      delays.push(await timeUntil(b, id, (item) => item?.version === version + 1, answered));
      for (let again = 0; again < 10; again++) expect((await read(b, id))?.version).toBe(version + 1);
    }

    // A writer that bypasses the service (here psql) reaches both replicas through the trigger.
    await read(a, id);
    await read(b, id);
    const before = Date.now();
    await psql(database.name, `update items set quantity = 999, version = version + 1 where id = '${id}'`);
    const afterCommit = Date.now();
    const rawDelays = [await timeUntil(a, id, (item) => item?.quantity === 999, afterCommit), await timeUntil(b, id, (item) => item?.quantity === 999, afterCommit)];

    // A delete through A: B answers 404 within the bound.
    const current = (await read(a, id))!;
    const deleted = await http(`${a.baseUrl}/items/${id}`, { method: 'DELETE', headers: { 'if-match': `"${current.version}"` } });
    expect(deleted.status).toBe(204);
    const deleteDelay = await timeUntil(b, id, (item) => item === undefined, Date.now());

    delays.sort((x, y) => x - y);
    process.stderr.write(
      `cache ${kind}: stale window on B after a write through A, 20 writes: median ${delays[10]} ms, max ${delays[19]} ms; ` +
        `raw SQL write (psql took ${afterCommit - before} ms) on A/B: ${rawDelays.join('/')} ms; delete: ${deleteDelay} ms\n`,
    );
    expect(delays[19]).toBeLessThan(STALE_BOUND_MS);
    expect(Math.max(...rawDelays, deleteDelay)).toBeLessThan(STALE_BOUND_MS);
    expect(await metric(b, 'cache_invalidations_total', { entry: 'by_id', source: 'notification' })).toBeGreaterThanOrEqual(20);
  }, 3 * MINUTES);

  it('answers 200 concurrent reads of a cold key with one database load', async () => {
    const heard = await metric(b, 'cache_invalidations_total', { entry: 'by_id', source: 'notification' });
    const created = await http<Item>(`${a.baseUrl}/items`, { body: { name: 'cold', quantity: 1 } });
    expect(created.status).toBe(201);
    const id = created.json!.id;
    // The create's own notification must not land in the middle of the burst: an invalidation
    // rightly starts a new load for the reads after it.
    await until("B to hear of the create", async () => (await metric(b, 'cache_invalidations_total', { entry: 'by_id', source: 'notification' })) > heard);
    const loadsBefore = await metric(b, 'cache_load_duration_seconds_count', { entry: 'by_id' });
    const responses = await Promise.all(Array.from({ length: 200 }, () => http<Item>(`${b.baseUrl}/items/${id}`)));
    expect(responses.filter((response) => response.status !== 200).map((response) => response.status)).toEqual([]);
    expect(await metric(b, 'cache_load_duration_seconds_count', { entry: 'by_id' })).toBe(loadsBefore + 1);
  }, MINUTES);

  if (kind === 'redis') {
    it('keeps serving and stays ready while Redis is stopped during a load run; hits resume when it is back', async () => {
      const created = await http<Item>(`${a.baseUrl}/items`, { body: { name: 'load', quantity: 1 } });
      const id = created.json!.id;
      const failures: string[] = [];
      const notReady: string[] = [];
      let requests = 0;
      let running = true;
      const worker = async (service: HardenedProcess) => {
        while (running) {
          try {
            const response = await http(`${service.baseUrl}/items/${id}`, { timeoutMs: 5_000 });
            requests += 1;
            if (response.status !== 200) failures.push(`${response.status} ${response.text.slice(0, 200)}`);
          } catch (error) {
            failures.push(String(error));
          }
        }
      };
      const readiness = async () => {
        while (running) {
          for (const service of [a, b]) {
            const response = await http(`${service.baseUrl}/readyz`).catch((error: unknown) => ({ status: 0, text: String(error) }));
            if (response.status !== 200) notReady.push(`${response.status} ${response.text.slice(0, 200)}`);
          }
          await sleep(50);
        }
      };
      const load = Promise.all([...Array.from({ length: 4 }, () => worker(a)), ...Array.from({ length: 4 }, () => worker(b)), readiness()]);
      try {
        await sleep(1_000);
        const bypassesBefore = await metric(a, 'cache_bypassed_total');
        await redis!.crash();
        expect(await tcpOpen(redis!.port)).toBe(false);
        const requestsAtStop = requests;
        await sleep(2_000);
        const requestsWhileDown = requests - requestsAtStop;
        expect(await metric(a, 'cache_bypassed_total')).toBeGreaterThan(bypassesBefore);
        await redis!.restart();
        await sleep(2_000);
        running = false;
        await load;
        process.stderr.write(`cache redis: ${requests} requests in the load run, ${requestsWhileDown} of them in the 2 s without Redis; ${failures.length} failed\n`);
        expect(requestsWhileDown).toBeGreaterThan(0);
        expect(failures).toEqual([]);
        expect(notReady).toEqual([]);
        // Hits resume on their own: the reconnected client serves the key again.
        const hitsAfterRestart = await metric(a, 'cache_hits_total', { entry: 'by_id' });
        for (let index = 0; index < 5; index++) expect((await read(a, id))?.id).toBe(id);
        expect(await metric(a, 'cache_hits_total', { entry: 'by_id' })).toBeGreaterThan(hitsAfterRestart);
        expect(a.output()).toMatch(/cache unavailable: bypassing it/);
        expect(a.output()).toMatch(/cache available again/);
      } finally {
        running = false;
        await load.catch(() => undefined);
      }
    }, 2 * MINUTES);
  }

  it('shuts both replicas down cleanly', async () => {
    for (const replica of [a, b]) {
      const exit = await replica.stop({ graceMs: 15_000 });
      expect({ code: exit.code, output: exit.code === 0 ? '' : replica.output().slice(-3000) }).toEqual({ code: 0, output: '' });
    }
    await database.drop();
    await redis?.stop();
  }, MINUTES);
});
