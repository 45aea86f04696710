/**
 * `microforge add resource` on real repos, through the built CLI: two resources added one after
 * the other equal a fresh render of the combined choices except the user's edits, the repo
 * stays current for `upgrade --check`, and bad input writes nothing (exit 2, one line).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseGenerationRecord } from '../../generators/lib/generation-record.js';
import { renderRepo } from '../../generators/lib/render.js';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { EVERY_TYPE, EVERY_TYPE_FLIPPED } from '../e2e/support/resource-fields.js';
import { runCli } from '../e2e/support/run.js';
import { diffTrees, snapshotTree } from '../e2e/support/snapshot.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd });
const read = (path: string) => readFile(path, 'utf8');

const fieldFlags = (fields: readonly string[]) => fields.flatMap((field) => ['--field', field]);

async function repoWith(prefix: string, ...options: string[]): Promise<{ work: string; repo: string }> {
  const work = await makeWorkDir(prefix);
  const created = await runCli(['new', 'shop', '--yes', '--skip-install', ...options], { cwd: work });
  expect(created.exitCode).toBe(0);
  return { work, repo: join(work, 'shop') };
}

describe('microforge add resource', () => {
  it('twice equals a fresh render of the combined choices except the user edits, and leaves upgrade --check clean', async () => {
    const { repo } = await repoWith('add-resource');
    await writeFile(join(repo, 'src/items/routes.ts'), `${await read(join(repo, 'src/items/routes.ts'))}// my route note\n`);
    await git(repo, 'commit', '-qam', 'my edit');

    const first = await runCli(['add', 'resource', 'order', ...fieldFlags(EVERY_TYPE), '--skip-install'], { cwd: repo });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('+ migrations/0008_create_orders.sql');
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'order');
    const answers = join(repo, '..', 'line.json');
    await writeFile(answers, JSON.stringify({ name: 'order-line', fields: EVERY_TYPE_FLIPPED }));
    const second = await runCli(['add', 'resource', '--answers', answers, '--json', '--skip-install'], { cwd: repo });
    expect(second.exitCode).toBe(0);
    const plan = JSON.parse(second.stdout) as { command: string; changes: Array<{ path: string; kind: string }> };
    expect(plan.command).toBe('add resource order-line');
    expect(plan.changes.filter((change) => change.kind === 'create').map((change) => change.path)).toContain('migrations/0009_create_order_lines.sql');
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'order-line');

    const record = parseGenerationRecord(await read(join(repo, '.yo-rc.json')), '.yo-rc.json');
    expect(record.spec.resources?.map((resource) => [resource.name, resource.migration, resource.fields.length])).toEqual([
      ['order', 8, 7],
      ['order-line', 9, 7],
    ]);
    // A fresh render of the combined choices: every file equal, except the one the user edited.
    const fresh = renderRepo(record.spec);
    const differing: string[] = [];
    for (const [path, contents] of fresh) {
      if (path === '.yo-rc.json') continue;
      const onDisk = await readFile(join(repo, path)).catch(() => undefined);
      if (!onDisk?.equals(contents)) differing.push(path);
    }
    expect(differing).toEqual(['src/items/routes.ts']);
    expect(await read(join(repo, 'src/items/routes.ts'))).toContain('// my route note');
    expect(await read(join(repo, 'src/resources/index.ts'))).toContain('export const ADDED_RESOURCES: readonly ResourceModule[] = [orderResource, orderQueuedUpdates, orderLineResource, orderLineQueuedUpdates];');

    const check = await runCli(['upgrade', '--check'], { cwd: repo });
    expect({ exitCode: check.exitCode, stdout: check.stdout }).toEqual({ exitCode: 0, stdout: expect.stringContaining('Up to date') });
  });

  it('refuses bad input with one line, exit 2, and writes nothing', async () => {
    const { work, repo } = await repoWith('add-resource-bad', '--messaging', 'none');
    const stateless = await repoWith('add-resource-stateless', '--storage', 'none', '--messaging', 'none');
    expect((await runCli(['add', 'resource', 'order', '--field', 'total:number', '--skip-install'], { cwd: repo })).exitCode).toBe(0);
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'order');
    const cases: Array<[string, string[], RegExp]> = [
      [repo, ['item', '--field', 'note:text'], /^microforge: resource 'item' already exists in this repo/],
      [repo, ['order', '--field', 'note:text'], /^microforge: resource 'order' already exists in this repo/],
      [repo, ['Order2', '--field', 'note:text'], /^microforge: resource 'Order2' must be a DNS-1123 label/],
      [repo, ['setting', '--field', 'note:text'], /^microforge: resource 'setting' would collide with the service's own settings/],
      [repo, ['invoice', '--field', 'id:uuid'], /^microforge: field name 'id' is reserved/],
      [repo, ['invoice', '--field', 'createdAt:timestamp'], /^microforge: field name 'createdAt' is reserved/],
      [repo, ['invoice', '--field', 'due_date:timestamp'], /^microforge: field name 'due_date' must be a lowerCamel identifier/],
      [repo, ['invoice', '--field', 'total:money'], /^microforge: field 'total' has unknown type 'money'/],
      [repo, ['invoice', '--field', 'total'], /^microforge: --field 'total' must look like NAME:TYPE/],
      [repo, ['invoice', '--field', 'total:number', '--field', 'total:integer'], /^microforge: field 'total' is given twice/],
      [repo, ['invoice'], /^microforge: add resource invoice needs its fields/],
      [repo, [], /^microforge: add resource needs a NAME/],
      [repo, ['invoice', 'extra', '--field', 'total:number'], /^microforge: unexpected argument 'extra'/],
      [stateless.repo, ['invoice', '--field', 'total:number'], /^microforge: add resource needs storage: this repo has --storage none/],
    ];
    const snapshot = () => snapshotTree(work, { ignore: ['shop/.git'] });
    for (const [cwd, args, message] of cases) {
      const before = await snapshot();
      const result = await runCli(['add', 'resource', ...args], { cwd });
      expect({ args, exitCode: result.exitCode, lines: result.stderr.trimEnd().split('\n').length }).toEqual({ args, exitCode: 2, lines: 1 });
      expect(result.stderr).toMatch(message);
      expect(diffTrees(before, await snapshot())).toEqual({ added: [], removed: [], changed: [] });
    }
  });
});
