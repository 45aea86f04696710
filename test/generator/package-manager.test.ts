/**
 * The package manager a repo installs with: chosen by --package-manager, the answers file, or the
 * manager that ran `create` (npm_config_user_agent); recorded so `add` keeps it; rendered into the
 * lockfile the Dockerfile and CI install from, the docs' commands and the next steps. npm renders
 * exactly what it rendered before (the golden samples hold it).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { packageManagerCommands, packageManagerOfCreate } from '../../generators/lib/package-manager.js';
import { renderRepo } from '../../generators/lib/render.js';
import { completeSpec } from '../../generators/lib/spec.js';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { runCli } from '../e2e/support/run.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

const PNPM_AGENT = 'pnpm/11.4.2 npm/? node/v26.12.1 linux x64';
const YARN_AGENT = 'yarn/4.18.1 npm/? node/v26.12.1 linux x64';
const text = (tree: ReturnType<typeof renderRepo>, path: string): string => {
  const contents = tree.get(path);
  if (!contents) throw new Error(`${path} was not rendered`);
  return contents.toString('utf8');
};
const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

describe('rendering per package manager', () => {
  const npmTree = renderRepo(completeSpec({}, 'orders'));

  it.each([
    ['pnpm@12.23.0', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'pnpm install --frozen-lockfile', 'pnpm test'],
    ['yarn@4.18.1', 'yarn.lock', '.yarnrc.yml', 'yarn install --immutable', 'yarn test'],
  ])('%s: the Dockerfile and CI install from its lockfile, the docs and scripts use its commands, npm is left out', (recorded, lockfile, settings, frozen, test) => {
    const id = recorded.split('@')[0]!;
    const tree = renderRepo(completeSpec({ packageManager: recorded }, 'orders'));
    expect(tree.has(settings)).toBe(true);
    expect(JSON.parse(text(tree, 'package.json')).packageManager).toBe(id === 'yarn' ? recorded : undefined);
    expect(JSON.parse(text(tree, '.yo-rc.json'))['create-microforge'].packageManager).toBe(recorded);

    const dockerfile = text(tree, 'Dockerfile');
    expect(dockerfile).toContain(`COPY package.json ${lockfile} ${settings} ./`);
    expect(dockerfile).not.toContain('package-lock.json');
    expect(dockerfile).toMatch(new RegExp(`npm install --global --ignore-scripts .*@${recorded.split('@')[1]!.replace(/\./g, '\\.')} \\\\\n && ${id} install`));
    // The runtime stage starts again from the Node image and removes npm: no manager in it.
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).not.toMatch(/pnpm|yarn install|npm install/);

    const ci = text(tree, '.github/workflows/ci.yml');
    expect(() => parseDocument(ci, { prettyErrors: true }).toJS()).not.toThrow();
    const steps = (parseDocument(ci).toJS() as { jobs: { test: { steps: Array<{ run?: string; uses?: string; with?: Record<string, string> }> } } }).jobs.test.steps;
    const runs = steps.flatMap((step) => (step.run ? [step.run] : []));
    expect(runs).toEqual(expect.arrayContaining([frozen, `${id} typecheck`, `${id} build`, test]));
    expect(runs.join('\n')).not.toMatch(/\bnpm (ci|test|run)\b/);
    expect(JSON.stringify(steps)).toMatch(id === 'pnpm' ? /"cache":"pnpm"/ : /yarn\.lock/);
    expect(text(tree, '.github/workflows/microforge-upgrade.yml')).not.toContain('--package-lock-only');

    for (const doc of ['README.md', 'CONTRIBUTING.md']) {
      const body = text(tree, doc);
      expect({ doc, npmCommands: body.match(/\bnpm (test|install|start|run \w+)/g) ?? [] }).toEqual({ doc, npmCommands: [] });
      expect(body).toContain(test);
    }
    expect(text(tree, 'CONTRIBUTING.md')).toContain(`${id} run upgrade --check`);
  });

  it('npm renders no manager field, no settings file and the npm commands', () => {
    expect(JSON.parse(text(npmTree, 'package.json')).packageManager).toBeUndefined();
    expect(JSON.parse(text(npmTree, '.yo-rc.json'))['create-microforge']).not.toHaveProperty('packageManager');
    expect([...npmTree.keys()].filter((path) => /pnpm|yarn/.test(path))).toEqual([]);
    expect(text(npmTree, 'Dockerfile')).toContain('RUN npm ci --ignore-scripts --no-audit --no-fund');
    expect(text(npmTree, 'CONTRIBUTING.md')).toContain('npm run upgrade -- --check');
  });

  it('the manager that ran create is taken with its version; an unsupported major falls back to npm with one line', () => {
    expect(packageManagerOfCreate(PNPM_AGENT)).toEqual({ recorded: 'pnpm@11.4.2' });
    expect(packageManagerOfCreate('npm/11.6.2 node/v26.12.1 linux x64 workspaces/false')).toEqual({ recorded: undefined });
    expect(packageManagerOfCreate(undefined)).toEqual({ recorded: undefined });
    const classic = packageManagerOfCreate('yarn/1.22.22 npm/? node/v22.18.0 linux x64');
    expect(classic.recorded).toBeUndefined();
    expect(classic.notice).toMatch(/^yarn 1\.22\.22 ran this, but generated repos need yarn 4 or newer: installing with npm/);
    expect(packageManagerCommands('pnpm@11.4.2').installManager).toContain('pnpm@11.4.2');
  });
});

describe('microforge new --package-manager', () => {
  it('records the manager of `pnpm create`, prints its next steps, and `add` keeps it', async () => {
    const work = await makeWorkDir('pm-agent');
    const result = await runCli(['new', 'svc', '--yes', '--skip-install', '--skip-git'], { cwd: work, env: { npm_config_user_agent: PNPM_AGENT } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Next:\n\s+cd svc\n\s+pnpm install && docker compose up -d redis rabbitmq|Next:\n\s+cd svc\n\s+pnpm install\n\s+pnpm test/);
    expect(result.stdout).toContain('pnpm dev and pnpm test need');
    expect(result.stdout).not.toMatch(/\bnpm (install|test|run)/);
    const repo = join(work, 'svc');
    expect((await readJson(join(repo, '.yo-rc.json')))['create-microforge'].packageManager).toBe('pnpm@11.4.2');

    const added = await runCli(['add', 'resource', 'widget', '--field', 'label:string', '--skip-install'], { cwd: repo });
    expect({ exitCode: added.exitCode, stderr: added.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect((await readJson(join(repo, '.yo-rc.json')))['create-microforge'].packageManager).toBe('pnpm@11.4.2');
    expect(await readFile(join(repo, 'Dockerfile'), 'utf8')).toContain('pnpm@11.4.2');
  });

  it('the flag beats the user agent and the answers file; the answers file beats the user agent', async () => {
    const work = await makeWorkDir('pm-flag');
    await writeFile(join(work, 'answers.json'), JSON.stringify({ packageManager: 'yarn', storage: 'none', messaging: 'none' }));
    const fromFlag = await runCli(['new', 'a', '--answers', 'answers.json', '--package-manager', 'npm', '--skip-install', '--skip-git'], { cwd: work, env: { npm_config_user_agent: PNPM_AGENT } });
    expect(fromFlag.exitCode).toBe(0);
    expect((await readJson(join(work, 'a', '.yo-rc.json')))['create-microforge']).not.toHaveProperty('packageManager');
    expect(await readdir(join(work, 'a'))).not.toContain('.yarnrc.yml');

    const fromFile = await runCli(['new', 'b', '--answers', 'answers.json', '--skip-install', '--skip-git'], { cwd: work, env: { npm_config_user_agent: YARN_AGENT } });
    expect(fromFile.exitCode).toBe(0);
    expect((await readJson(join(work, 'b', 'package.json'))).packageManager).toBe('yarn@4.18.1');
    expect(fromFile.stdout).toMatch(/Next:\n\s+cd b\n\s+yarn install\n\s+yarn test\n/);
  });

  it.each([
    [['--package-manager', 'bun'], "--package-manager must be npm, pnpm or yarn (optionally pnpm@X.Y.Z or yarn@X.Y.Z), got \"bun\""],
    [['--package-manager', 'yarn@1.22.22'], '--package-manager: yarn 1 is too old; generated repos need yarn 4 or newer'],
    [['--package-manager', 'npm@11.0.0'], '--package-manager: npm takes no version (the repo uses the npm that comes with Node.js), got npm@11.0.0'],
  ])('%j: one line, exit 2, nothing written', async (flags, message) => {
    const work = await makeWorkDir('pm-bad');
    const result = await runCli(['new', 'svc', '--yes', '--skip-install', '--skip-git', ...flags], { cwd: work });
    expect({ exitCode: result.exitCode, stderr: result.stderr.trim() }).toEqual({ exitCode: 2, stderr: `microforge: ${message}` });
    expect(await readdir(work)).toEqual([]);
  });
});
