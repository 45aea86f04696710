/**
 * The golden sample repos (test/golden/, tools/golden.ts): the committed samples equal a fresh
 * render, and the check fails, naming the files, when a template line changes or a sample is
 * edited; regenerating makes it pass again.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { goldenDifferences, GOLDEN_ROOT, GOLDEN_SCENARIOS } from '../../tools/golden.js';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { REPO_ROOT } from '../e2e/support/paths.js';
import { releaseCopy } from '../e2e/support/release-copy.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

const goldenCli = (packageRoot: string, ...args: string[]) =>
  execa(process.execPath, [join(packageRoot, 'dist/tools/golden-cli.js'), ...args], { reject: false });

describe('golden sample repos', () => {
  it('equal a fresh render of every scenario', () => {
    expect(goldenDifferences()).toEqual([]);
  });

  it('fail the check when a template line changes, naming the rendered files that differ', async () => {
    const work = await makeWorkDir('golden-template');
    const release = await releaseCopy(work, JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')).version);
    const template = join(release, 'templates/kubernetes/k8s/base/service.yaml.hbs');
    const text = await readFile(template, 'utf8');
    await writeFile(template, text.replace('kind: Service', 'kind: Service\n# a changed template line'));

    const check = await goldenCli(release, '--check', '--dir', GOLDEN_ROOT);
    expect(check.exitCode).toBe(1);
    expect(check.stdout.split('\n').filter((line) => line.startsWith('  ')).sort()).toEqual(
      Object.keys(GOLDEN_SCENARIOS).sort().flatMap((scenario) => [
        `  ${scenario}/.yo-rc.json`,
        `  ${scenario}/k8s/base/service.yaml`,
      ]),
    );
  });

  it('fail the check when a sample is edited or gains a file, and pass once regenerated', async () => {
    const work = await makeWorkDir('golden-samples');
    const samples = join(work, 'golden');
    await cp(GOLDEN_ROOT, samples, { recursive: true });
    const main = join(samples, 'default/src/main.ts');
    await writeFile(main, `${await readFile(main, 'utf8')}// edited by hand\n`);
    await writeFile(join(samples, 'stateless-without-messaging/notes.txt'), 'not rendered\n');

    const failing = await goldenCli(REPO_ROOT, '--check', '--dir', samples);
    expect(failing.exitCode).toBe(1);
    expect(failing.stdout).toContain('  default/src/main.ts\n');
    expect(failing.stdout).toContain('  stateless-without-messaging/notes.txt (not rendered any more)');

    expect((await goldenCli(REPO_ROOT, '--dir', samples)).exitCode).toBe(0);
    const passing = await goldenCli(REPO_ROOT, '--check', '--dir', samples);
    expect({ exitCode: passing.exitCode, stdout: passing.stdout }).toEqual({ exitCode: 0, stdout: `golden samples up to date (${Object.keys(GOLDEN_SCENARIOS).length} scenarios)` });
  });
});
