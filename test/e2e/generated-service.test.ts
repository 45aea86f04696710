/**
 * A generated repo is only proven by using it: generate with the built CLI (which runs npm
 * install), typecheck and build on the services' Node (26; CI runs it again on 24), run the repo's own tests, then start the built
 * service as Kubernetes would run it (read-only root, only /tmp writable, uid 10001) and talk to it.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  createTestDatabase,
  describeRun,
  envWithServiceNode,
  freePort,
  http,
  makeWorkDir,
  serviceNodePath,
  npmWithServiceNode,
  psql,
  runCli,
  runWithServiceNode,
  startHardened,
  startServiceProcess,
  useE2eCleanup,
  type HardenedProcess,
  type TestDatabase,
} from './support/index.js';

useE2eCleanup();

const MINUTES = 60_000;

interface Scenario {
  storage: 'none' | 'postgres';
  name: string;
  resource: string;
  plural: string;
  /** Generated stateless first, edited by the user, then `microforge add storage`. */
  storageAddedLater?: boolean;
}

const scenarios: Scenario[] = [
  { storage: 'none', name: 'quote-service', resource: 'offer', plural: 'offers' },
  { storage: 'postgres', name: 'order-service', resource: 'order-line', plural: 'order-lines' },
  { storage: 'postgres', name: 'grown-service', resource: 'item', plural: 'items', storageAddedLater: true },
];

/** The living-repo path: a stateless repo with user edits grows storage, then must work like a fresh one. */
async function generateThenAddStorage(repo: string, scenario: Scenario): Promise<void> {
  const generated = await runCli(['new', repo, '--yes', '--storage', 'none', '--messaging', 'none', '--resource', scenario.resource, '--skip-install'], { env: envWithServiceNode() });
  expect(generated.exitCode).toBe(0);
  const git = (...args: string[]) => execa('git', args, { cwd: repo });
  await writeFile(join(repo, 'src', scenario.plural, 'pricing-notes.ts'), 'export const PRICING_NOTE = "added by the team";\n');
  const deployment = join(repo, 'k8s/base/deployment.yaml');
  await writeFile(deployment, (await readFile(deployment, 'utf8')).replace('value: "info"', 'value: "warn"'));
  await git('add', '--all');
  await git('commit', '-qm', 'team edits');
  const added = await runCli(['add', 'storage'], { cwd: repo, env: envWithServiceNode(), timeoutMs: 5 * MINUTES });
  expect({ exitCode: added.exitCode, output: added.exitCode === 0 ? '' : describeRun('microforge add storage', added) }).toEqual({ exitCode: 0, output: '' });
  expect(await readFile(deployment, 'utf8')).toContain('value: "warn"');
  expect(existsSync(join(repo, 'src', scenario.plural, 'pricing-notes.ts'))).toBe(true);
}

async function exerciseStatelessEndpoint(service: HardenedProcess, plural: string): Promise<void> {
  const quote = await http<{ totalCents: number }>(`${service.baseUrl}/${plural}/quote`, {
    method: 'POST',
    body: { name: 'widget', quantity: 3, unitPriceCents: 250 },
  });
  expect(quote.status).toBe(200);
  expect(quote.json?.totalCents).toBe(750);
  const invalid = await http<{ error: { code: string } }>(`${service.baseUrl}/${plural}/quote`, { method: 'POST', body: { name: '' } });
  expect(invalid.status).toBe(400);
  expect(invalid.json?.error.code).toEqual(expect.any(String));
}

async function exerciseCrudWithVersions(service: HardenedProcess, plural: string): Promise<void> {
  const base = `${service.baseUrl}/${plural}`;
  const created = await http<{ id: string; version: number; quantity: number }>(base, { method: 'POST', body: { name: 'first', quantity: 2 } });
  expect(created.status).toBe(201);
  const id = created.json?.id ?? '';
  const createdTag = created.headers['etag'] ?? '';
  expect(createdTag).not.toBe('');
  expect(created.headers['location']).toBe(`/${plural}/${id}`);

  const read = await http<{ name: string; quantity: number }>(`${base}/${id}`);
  expect(read.status).toBe(200);
  expect(read.json).toMatchObject({ name: 'first', quantity: 2 });
  expect(read.headers['etag']).toBe(createdTag);

  const withoutPrecondition = await http(`${base}/${id}`, { method: 'PUT', body: { name: 'second', quantity: 5 } });
  expect(withoutPrecondition.status).toBe(428);

  const updated = await http<{ quantity: number }>(`${base}/${id}`, { method: 'PUT', headers: { 'if-match': createdTag }, body: { name: 'second', quantity: 5 } });
  expect(updated.status).toBe(200);
  expect(updated.json?.quantity).toBe(5);
  const updatedTag = updated.headers['etag'] ?? '';
  expect(updatedTag).not.toBe(createdTag);

  // A writer holding the old version must not overwrite the newer one.
  const stale = await http(`${base}/${id}`, { method: 'PUT', headers: { 'if-match': createdTag }, body: { name: 'lost update', quantity: 9 } });
  expect(stale.status).toBe(412);
  expect((await http<{ name: string }>(`${base}/${id}`)).json?.name).toBe('second');

  const staleDelete = await http(`${base}/${id}`, { method: 'DELETE', headers: { 'if-match': createdTag } });
  expect(staleDelete.status).toBe(412);
  const deleted = await http(`${base}/${id}`, { method: 'DELETE', headers: { 'if-match': updatedTag } });
  expect(deleted.status).toBe(204);
  expect((await http(`${base}/${id}`)).status).toBe(404);
}

/** Repos the scenarios generated and built, by service name: the data-operations tests reuse one. */
const builtRepos = new Map<string, string>();

describe.each(scenarios)('a generated service $name with storage $storage', (scenario) => {
  let repo = '';
  let database: TestDatabase | undefined;
  // PostgreSQL repos get the default cache, Redis: the machine's (the service also runs without it).
  const serviceEnv = (): Record<string, string> => (database ? { DATABASE_URL: database.url } : {});

  it('is generated, installed and committed by the CLI', async () => {
    const work = await makeWorkDir(`e2e-${scenario.storage}`);
    repo = join(work, scenario.name);
    if (scenario.storageAddedLater) {
      await generateThenAddStorage(repo, scenario);
    } else {
      // No broker and no cache: test/e2e/messaging.test.ts and cache.test.ts prove those.
      const generated = await runCli(['new', repo, '--yes', '--storage', scenario.storage, '--messaging', 'none', '--cache', 'none', '--resource', scenario.resource], {
        env: envWithServiceNode(),
        timeoutMs: 5 * MINUTES,
      });
      expect({ exitCode: generated.exitCode, output: generated.exitCode === 0 ? '' : describeRun('microforge new', generated) }).toEqual({ exitCode: 0, output: '' });
    }
    expect(existsSync(join(repo, 'node_modules', 'fastify', 'package.json'))).toBe(true);
    expect(existsSync(join(repo, 'package-lock.json'))).toBe(true);
    expect(existsSync(join(repo, '.git'))).toBe(true);
    if (scenario.storage === 'postgres') database = await createTestDatabase(`mf_${scenario.storage}`);
  }, 6 * MINUTES);

  it("typechecks and builds on the services' Node (26, or MICROFORGE_SERVICE_NODE)", async () => {
    for (const script of ['typecheck', 'build']) {
      const result = await npmWithServiceNode(repo, ['run', script]);
      expect({ script, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(script, result) }).toEqual({ script, exitCode: 0, output: '' });
    }
    expect(existsSync(join(repo, 'dist', 'main.js'))).toBe(true);
    builtRepos.set(scenario.name, repo);
  }, 3 * MINUTES);

  it("passes its own tests", async () => {
    const result = await npmWithServiceNode(repo, ['test'], { env: serviceEnv() });
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun('npm test', result) }).toEqual({ exitCode: 0, output: '' });
    // node:test prints its totals; a suite that ran nothing must not count as a pass.
    const passed = Number(/^ℹ pass (\d+)$/m.exec(result.stdout)?.[1] ?? 0);
    const failed = Number(/^ℹ fail (\d+)$/m.exec(result.stdout)?.[1] ?? -1);
    expect(passed).toBeGreaterThan(10);
    expect(failed).toBe(0);
  }, 3 * MINUTES);

  it('runs read-only as uid 10001, serves, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const service = await startHardened({
      cwd: repo,
      command: 'node',
      args: ['dist/main.js'],
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', ...serviceEnv() },
      port,
      watchCwd: true,
    });
    await service.waitForHttp('/readyz', { status: 200, timeoutMs: 30_000 });
    expect((await http(`${service.baseUrl}/startupz`)).status).toBe(200);
    expect((await http(`${service.baseUrl}/livez`)).status).toBe(200);
    const metrics = await http(`${service.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^process_cpu_user_seconds_total[{ ]/m);

    if (scenario.storage === 'postgres') await exerciseCrudWithVersions(service, scenario.plural);
    else await exerciseStatelessEndpoint(service, scenario.plural);
    expect(await http(`${service.baseUrl}/metrics`).then((response) => response.text)).toMatch(/http_request_duration_seconds/);

    const exit = await service.stop({ signal: 'SIGTERM', graceMs: 10_000 });
    expect({ code: exit.code, signal: exit.signal, output: exit.code === 0 ? '' : service.output() }).toEqual({ code: 0, signal: null, output: '' });
    expect(exit.durationMs).toBeLessThan(10_000);
    expect(await service.cwdChanges()).toEqual({ added: [], removed: [], changed: [] });

    // Logs are JSON lines on stdout, and nothing else is; stderr stays empty (no warnings, no deprecations).
    expect(service.stderrLines.filter((line) => line.trim() !== '')).toEqual([]);
    for (const line of service.stdoutLines.filter((candidate) => candidate.trim() !== '')) expect(() => JSON.parse(line)).not.toThrow();
    expect(service.stdoutLines.join('\n')).not.toContain(database?.url ?? 'no database url to leak');
  }, 2 * MINUTES);
});

/**
 * Data operations on a generated PostgreSQL repo (issue #5): the zero-infrastructure path (its
 * tests and `npm run dev` on the embedded database), migrations applied once when replicas start
 * together, and the backup CronJob's own script dumping a database that is then dropped and restored.
 */
describe('data operations of the generated order-service', () => {
  const scenario = scenarios.find((candidate) => candidate.name === 'order-service') as Scenario;
  let repo = '';

  it('reuses the order-service the scenario above generated and built (no second install)', async () => {
    repo = builtRepos.get(scenario.name) ?? join(await makeWorkDir('e2e-data-ops'), scenario.name);
    if (!builtRepos.has(scenario.name)) {
      // Run on its own (-t "data operations"): generate and build it here.
      const generated = await runCli(['new', repo, '--yes', '--storage', 'postgres', '--messaging', 'none', '--cache', 'none', '--resource', scenario.resource, '--skip-git'], { env: envWithServiceNode(), timeoutMs: 5 * MINUTES });
      expect({ exitCode: generated.exitCode, output: generated.exitCode === 0 ? '' : describeRun('microforge new', generated) }).toEqual({ exitCode: 0, output: '' });
      const built = await npmWithServiceNode(repo, ['run', 'build']);
      expect({ exitCode: built.exitCode, output: built.exitCode === 0 ? '' : describeRun('build', built) }).toEqual({ exitCode: 0, output: '' });
    }
    expect(existsSync(join(repo, 'dist', 'main.js'))).toBe(true);
  }, 6 * MINUTES);

  it('passes its own tests on the embedded database when DATABASE_URL is unset, and says so first', async () => {
    const result = await npmWithServiceNode(repo, ['test'], { env: { DATABASE_URL: '' } });
    expect({ exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun('npm test (embedded)', result) }).toEqual({ exitCode: 0, output: '' });
    const firstLine = result.stdout.split('\n').find((line) => line.startsWith('database: '));
    expect(firstLine).toMatch(/^database: embedded PostgreSQL \(PGlite, in memory, started in \d+ ms\)/);
    expect(Number(/^ℹ pass (\d+)$/m.exec(result.stdout)?.[1] ?? 0)).toBeGreaterThan(10);
    // Only what the embedded database cannot show is skipped, each with its reason.
    const skipped = result.stdout.match(/^\s*﹣ .*$/gm) ?? [];
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.filter((line) => !line.includes('# the embedded database'))).toEqual([]);
  }, 4 * MINUTES);

  it('runs `npm run dev` with no database settings: ready, creates and reads, keeps the data across a restart', async () => {
    const port = await freePort();
    const dev = startServiceProcess({ cwd: repo, command: 'npm', args: ['run', 'dev'], port });
    await dev.waitReady(90_000);
    const created = await http<{ id: string }>(`${dev.baseUrl}/${scenario.plural}`, { method: 'POST', body: { name: 'dev', quantity: 1 } });
    expect(created.status).toBe(201);
    expect((await http<{ name: string }>(`${dev.baseUrl}/${scenario.plural}/${created.json?.id}`)).json?.name).toBe('dev');
    expect(dev.messages()).toContain('DATABASE_URL is not set: using an embedded PostgreSQL (PGlite) for development; never in production');
    await dev.stop();
    // A graceful stop closed the embedded database and released its lock.
    expect(existsSync(join(repo, '.data', 'pglite.lock'))).toBe(false);
    expect(existsSync(join(repo, '.data', 'pglite'))).toBe(true);

    const again = startServiceProcess({ cwd: repo, command: 'npm', args: ['run', 'dev'], port });
    await again.waitReady(60_000);
    expect((await http(`${again.baseUrl}/${scenario.plural}/${created.json?.id}`)).status).toBe(200);
    await again.stop();
  }, 4 * MINUTES);

  it('refuses to start in production without DATABASE_URL, in one line', async () => {
    const result = await runWithServiceNode('node', ['dist/main.js'], { cwd: repo, env: { NODE_ENV: 'production', DATABASE_URL: '' } });
    expect({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `${scenario.name}: invalid configuration: DATABASE_URL is required when NODE_ENV=production (development and test run without it)`,
    });
  }, MINUTES);

  it('applies each migration once when three replicas start at the same time on one fresh database', async () => {
    const database = await createTestDatabase('mf_data_ops_replicas');
    // A migration slow enough that all three replicas reach the migrations while it runs: without
    // the advisory lock, two of them would apply it again and fail on schema_migrations' key.
    await writeFile(join(repo, 'migrations', '0000_wait_for_the_other_replicas.sql'), 'select pg_sleep(3);\n');
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const replicas = ports.map((port) =>
      startServiceProcess({ cwd: repo, command: serviceNodePath(), args: ['dist/main.js'], port, env: { NODE_ENV: 'production', DATABASE_URL: database.url } }),
    );
    await Promise.all(replicas.map((replica) => replica.waitReady(60_000)));
    const migrations = (await readdir(join(repo, 'migrations'))).filter((file) => file.endsWith('.sql')).sort();
    const applied = replicas.flatMap((replica) => replica.messages().filter((message) => message === 'migration applied'));
    expect(applied).toHaveLength(migrations.length);
    expect(await psql(database.name, 'select file from schema_migrations order by version')).toBe(migrations.join('\n'));
    // Each replica serves the schema the others migrated.
    for (const replica of replicas) {
      expect((await http(`${replica.baseUrl}/${scenario.plural}`, { method: 'POST', body: { name: `from ${replica.baseUrl}`, quantity: 1 } })).status).toBe(201);
    }
    expect(await Promise.all(replicas.map((replica) => replica.stop()))).toEqual([0, 0, 0]);
    await database.drop();
  }, 3 * MINUTES);

  it("backs up with the CronJob's own script, and a dropped database comes back whole with the runbook's restore", async () => {
    const database = await createTestDatabase('mf_data_ops_backup');
    const service = startServiceProcess({ cwd: repo, command: serviceNodePath(), args: ['dist/main.js'], port: await freePort(), env: { NODE_ENV: 'production', DATABASE_URL: database.url } });
    await service.waitReady(60_000);
    for (let index = 0; index < 25; index++) {
      expect((await http(`${service.baseUrl}/${scenario.plural}`, { method: 'POST', body: { name: `row ${index}`, quantity: index } })).status).toBe(201);
    }
    await service.stop();
    const table = scenario.plural.replace(/-/g, '_');
    const snapshot = `select string_agg(id || ':' || name || ':' || quantity || ':' || version, ',' order by id) from "${table}"`;
    const before = await psql(database.name, snapshot);

    const cronJob = parseYaml(await readFile(join(repo, 'k8s/backup/cronjob.yaml'), 'utf8')) as CronJobManifest;
    const [container] = cronJob.spec.jobTemplate.spec.template.spec.containers;
    if (!container) throw new Error('the backup CronJob has no container');
    const backupDir = await makeWorkDir('e2e-backups');
    const settings = Object.fromEntries(container.env.filter((entry) => entry.value !== undefined).map((entry) => [entry.name, entry.value as string]));
    // An older dump beyond BACKUP_KEEP=1, which the run must prune.
    await writeFile(join(backupDir, `${settings.BACKUP_NAME}-20000101T000000Z.dump`), 'old');
    const backup = await execa(container.command[0] as string, [...container.command.slice(1), ...container.args], {
      env: { PATH: process.env.PATH ?? '', ...settings, BACKUP_DIR: backupDir, BACKUP_KEEP: '1', HOME: backupDir, DATABASE_URL: database.url },
      reject: false,
    });
    expect({ exitCode: backup.exitCode, stderr: backup.stderr }).toEqual({ exitCode: 0, stderr: '' });
    const dumps = await readdir(backupDir);
    expect(dumps).toEqual([expect.stringMatching(new RegExp(`^${settings.BACKUP_NAME}-20\\d{6}T\\d{6}Z\\.dump$`))]);
    expect(dumps[0]).not.toContain('20000101');
    expect(backup.stdout).toMatch(new RegExp(`^backup ${dumps[0]}: \\d+ bytes$`, 'm'));

    await psql('postgres', `drop database "${database.name}" with (force)`);
    await psql('postgres', `create database "${database.name}"`);
    const restore = await execa('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', `--dbname=${database.url}`, join(backupDir, dumps[0] as string)], { reject: false });
    expect({ exitCode: restore.exitCode, stderr: restore.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(await psql(database.name, `select count(*) from "${table}"`)).toBe('25');
    expect(await psql(database.name, snapshot)).toBe(before);
    await database.drop();
  }, 3 * MINUTES);
});

interface CronJobManifest {
  spec: { jobTemplate: { spec: { template: { spec: { containers: Array<{ command: string[]; args: string[]; env: Array<{ name: string; value?: string }> }> } } } } };
}
