/**
 * Data ownership in a running generated service (storage postgres): two processes of one
 * service on two ports against one database, as two replicas would run.
 * - Configuration layers: both read CONFIG_FILE (refresh interval, log level), one overrides
 *   the log level in its environment; the file's refresh interval is what bounds propagation.
 * - Dynamic settings: changed through A with If-Match (and the admin token), seen by B within
 *   DYNAMIC_SETTINGS_REFRESH_MS plus one query, measured and asserted.
 * - Races across processes: 20 concurrent PUTs with one If-Match spread over A and B.
 * - Deletion: deleted through B, a late update through A with the old ETag gets 404, and the
 *   purger (retention 0) removes the tombstone from the table.
 * One generated repo, one install; the repo's own tests run in generated-service.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createTestDatabase,
  describeRun,
  envWithServiceNode,
  freePort,
  http,
  makeWorkDir,
  npmWithServiceNode,
  psql,
  runCli,
  startBuiltService,
  useE2eCleanup,
  waitUntil,
  type BuiltService,
  type TestDatabase,
} from './support/index.js';

useE2eCleanup();

const MINUTES = 60_000;
const REFRESH_MS = 250;
/** Slack over the refresh interval for one query and a loaded 2-core machine. */
const QUERY_SLACK_MS = 350;
const ADMIN_TOKEN = `e2e-admin-${'0123456789abcdef'.repeat(3)}`;

interface Replica extends BuiltService {
  name: string;
}

function startReplica(name: string, repo: string, port: number, env: Record<string, string>): Replica {
  return { name, ...startBuiltService(repo, port, env) };
}


const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('data ownership across two replicas of a generated service', () => {
  let repo = '';
  let database: TestDatabase;
  let a: Replica;
  let b: Replica;

  it('is generated, installed and built', async () => {
    const work = await makeWorkDir('e2e-data');
    repo = join(work, 'ledger-service');
    // PostgreSQL alone: this is about the data the service owns, not its broker or cache.
    const generated = await runCli(['new', repo, '--yes', '--storage', 'postgres', '--messaging', 'none', '--cache', 'none', '--resource', 'item'], { env: envWithServiceNode(), timeoutMs: 5 * MINUTES });
    expect({ exitCode: generated.exitCode, output: generated.exitCode === 0 ? '' : describeRun('microforge new', generated) }).toEqual({ exitCode: 0, output: '' });
    const built = await npmWithServiceNode(repo, ['run', 'build']);
    expect({ exitCode: built.exitCode, output: built.exitCode === 0 ? '' : describeRun('npm run build', built) }).toEqual({ exitCode: 0, output: '' });
    database = await createTestDatabase('mf_data');
  }, 6 * MINUTES);

  it('starts two replicas on one database, each with its settings from the right layer', async () => {
    const configFile = join(repo, '..', 'settings.yaml');
    await writeFile(
      configFile,
      [`DYNAMIC_SETTINGS_REFRESH_MS: ${REFRESH_MS}`, 'LOG_LEVEL: warn', 'TOMBSTONE_RETENTION_HOURS: 0', 'TOMBSTONE_PURGE_INTERVAL_MS: 500', ''].join('\n'),
    );
    const shared = { DATABASE_URL: database.url, ADMIN_TOKEN, CONFIG_FILE: configFile };
    a = startReplica('A', repo, await freePort(), shared);
    // The environment wins over the file: B logs at info, A (file only) at warn.
    b = startReplica('B', repo, await freePort(), { ...shared, LOG_LEVEL: 'info' });
    for (const replica of [a, b]) {
      await waitUntil(`${replica.name} ready`, async () => ((await http(`${replica.baseUrl}/readyz`, { timeoutMs: 1000 })).status === 200 ? true : undefined), 30_000, 100);
    }
    const started = (replica: Replica) => replica.lines.some((line) => line.includes('"msg":"started"'));
    expect({ a: started(a), b: started(b) }).toEqual({ a: false, b: true });
  }, MINUTES);

  it('propagates a dynamic setting changed through A to B within the refresh interval', async () => {
    const latencies: number[] = [];
    for (const maxPageSize of [3, 4, 5, 6, 7]) {
      const current = await http<{ version: number }>(`${a.baseUrl}/admin/settings`, { headers: admin });
      expect(current.status).toBe(200);
      const etag = current.headers['etag'] ?? '';
      const changed = await http(`${a.baseUrl}/admin/settings`, { method: 'PUT', headers: { ...admin, 'if-match': etag }, body: { maxPageSize } });
      expect(changed.status).toBe(200);
      const changedAt = performance.now();
      await waitUntil(
        `B to use maxPageSize ${maxPageSize}`,
        async () => ((await http<{ page: { limit: number } }>(`${b.baseUrl}/items?limit=50`)).json?.page.limit === maxPageSize ? true : undefined),
        10 * REFRESH_MS,
        5,
      );
      latencies.push(Math.round(performance.now() - changedAt));
      // A stale change, one without If-Match and one without the token change nothing.
      expect((await http(`${b.baseUrl}/admin/settings`, { method: 'PUT', headers: { ...admin, 'if-match': etag }, body: { maxPageSize: 1 } })).status).toBe(412);
      expect((await http(`${b.baseUrl}/admin/settings`, { method: 'PUT', headers: admin, body: { maxPageSize: 1 } })).status).toBe(428);
      expect((await http(`${b.baseUrl}/admin/settings`, { method: 'PUT', headers: { 'if-match': changed.headers['etag'] ?? '' }, body: { maxPageSize: 1 } })).status).toBe(401);
    }
    process.stdout.write(`dynamic settings: A -> B propagation in ms (refresh ${REFRESH_MS} ms): ${latencies.join(', ')}\n`);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(REFRESH_MS + QUERY_SLACK_MS);

    // Both replicas report the version they apply: the same one, the ETag of the last change.
    const latest = (await http(`${b.baseUrl}/admin/settings`, { headers: admin })).json as { version: number };
    for (const replica of [a, b]) {
      const metrics = await http(`${replica.baseUrl}/metrics`);
      expect({ replica: replica.name, version: /^dynamic_settings_version\{[^}]*\} (\d+)$/m.exec(metrics.text)?.[1] }).toEqual({ replica: replica.name, version: String(latest.version) });
    }

    const reset = await http(`${a.baseUrl}/admin/settings`, { headers: admin });
    expect((await http(`${a.baseUrl}/admin/settings`, { method: 'PUT', headers: { ...admin, 'if-match': reset.headers['etag'] ?? '' }, body: {} })).status).toBe(200);
  }, MINUTES);

  it('lets exactly one of 20 concurrent updates win across both replicas', async () => {
    const created = await http<{ id: string }>(`${a.baseUrl}/items`, { method: 'POST', body: { name: 'contended', quantity: 1 } });
    expect(created.status).toBe(201);
    const id = created.json?.id ?? '';
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, writer) =>
        http(`${(writer % 2 === 0 ? a : b).baseUrl}/items/${id}`, { method: 'PUT', headers: { 'if-match': '"1"' }, body: { name: `writer ${writer}`, quantity: writer } }).then(
          (response) => response.status,
        ),
      ),
    );
    expect(statuses.sort()).toEqual([200, ...Array<number>(19).fill(412)]);
    expect((await http<{ version: number }>(`${b.baseUrl}/items/${id}`)).json?.version).toBe(2);
  }, MINUTES);

  it('keeps a deleted item deleted when an older update arrives late, then purges it', async () => {
    const created = await http<{ id: string }>(`${a.baseUrl}/items`, { method: 'POST', body: { name: 'short-lived', quantity: 1 } });
    const id = created.json?.id ?? '';
    const oldTag = created.headers['etag'] ?? '';
    expect((await http(`${b.baseUrl}/items/${id}`, { method: 'DELETE', headers: { 'if-match': oldTag } })).status).toBe(204);
    const late = await http(`${a.baseUrl}/items/${id}`, { method: 'PUT', headers: { 'if-match': oldTag }, body: { name: 'resurrected', quantity: 2 } });
    expect(late.status).toBe(404);
    expect((await http(`${a.baseUrl}/items/${id}`)).status).toBe(404);
    // Retention 0 and a 500 ms interval: the tombstone leaves the table within a few intervals.
    await waitUntil('the purge', async () => ((await psql(database.name, `select count(*) from items where id = '${id}'`)) === '0' ? true : undefined), 10_000, 100);
  }, MINUTES);

  it('stops both replicas cleanly', async () => {
    for (const replica of [a, b]) {
      const exit = await replica.stop();
      expect({ replica: replica.name, ...exit, output: exit.code === 0 ? '' : replica.lines.join('\n') }).toEqual({ replica: replica.name, code: 0, signal: null, output: '' });
    }
  }, MINUTES);
});
