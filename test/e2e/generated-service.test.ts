/**
 * A generated repo is only proven by using it: generate with the built CLI (which runs npm
 * install), typecheck and build on Node 24, run the repo's own tests, then start the built
 * service as Kubernetes would run it (read-only root, only /tmp writable, uid 10001) and talk to it.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import {
  createTestDatabase,
  describeRun,
  envWithNode24,
  freePort,
  http,
  makeWorkDir,
  npm24,
  runCli,
  startHardened,
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
  const generated = await runCli(['new', repo, '--yes', '--storage', 'none', '--messaging', 'none', '--resource', scenario.resource, '--skip-install'], { env: envWithNode24() });
  expect(generated.exitCode).toBe(0);
  const git = (...args: string[]) => execa('git', args, { cwd: repo });
  await writeFile(join(repo, 'src', scenario.plural, 'pricing-notes.ts'), 'export const PRICING_NOTE = "added by the team";\n');
  const deployment = join(repo, 'k8s/base/deployment.yaml');
  await writeFile(deployment, (await readFile(deployment, 'utf8')).replace('value: "info"', 'value: "warn"'));
  await git('add', '--all');
  await git('commit', '-qm', 'team edits');
  const added = await runCli(['add', 'storage'], { cwd: repo, env: envWithNode24(), timeoutMs: 5 * MINUTES });
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

describe.each(scenarios)('a generated service $name with storage $storage', (scenario) => {
  let repo = '';
  let database: TestDatabase | undefined;
  // PostgreSQL repos get the default cache, Redis: the machine's (the service also runs without it).
  const serviceEnv = (): Record<string, string> => (database ? { DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:6379' } : {});

  it('is generated, installed and committed by the CLI', async () => {
    const work = await makeWorkDir(`e2e-${scenario.storage}`);
    repo = join(work, scenario.name);
    if (scenario.storageAddedLater) {
      await generateThenAddStorage(repo, scenario);
    } else {
      const generated = await runCli(['new', repo, '--yes', '--storage', scenario.storage, '--messaging', 'none', '--resource', scenario.resource], {
        env: envWithNode24(),
        timeoutMs: 5 * MINUTES,
      });
      expect({ exitCode: generated.exitCode, output: generated.exitCode === 0 ? '' : describeRun('microforge new', generated) }).toEqual({ exitCode: 0, output: '' });
    }
    expect(existsSync(join(repo, 'node_modules', 'fastify', 'package.json'))).toBe(true);
    expect(existsSync(join(repo, 'package-lock.json'))).toBe(true);
    expect(existsSync(join(repo, '.git'))).toBe(true);
    if (scenario.storage === 'postgres') database = await createTestDatabase(`mf_${scenario.storage}`);
  }, 6 * MINUTES);

  it('typechecks and builds on Node 24', async () => {
    for (const script of ['typecheck', 'build']) {
      const result = await npm24(repo, ['run', script]);
      expect({ script, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(script, result) }).toEqual({ script, exitCode: 0, output: '' });
    }
    expect(existsSync(join(repo, 'dist', 'main.js'))).toBe(true);
  }, 3 * MINUTES);

  it("passes its own tests", async () => {
    const result = await npm24(repo, ['test'], { env: serviceEnv() });
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
