/**
 * What `microforge new` prints: a JSON summary for tools, colours only on a terminal and never
 * with NO_COLOR, and unexpected errors as one line (the stack only with --debug).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { cleanHostEnv } from '../e2e/support/env.js';
import { CLI_PATH } from '../e2e/support/paths.js';
import { runCli } from '../e2e/support/run.js';
import { diffTrees, snapshotTree } from '../e2e/support/snapshot.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

const ANSI_ESCAPE = '\u001b[';

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !relative(root, join(entry.parentPath, entry.name)).startsWith('.git/'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe('microforge new --json', () => {
  it('prints one JSON object listing every file written and the next commands, and nothing else', async () => {
    const work = await makeWorkDir('json');
    // No --yes: --json alone never prompts, and says nothing about defaults on stderr either.
    const result = await runCli(['new', 'svc', '--json', '--skip-install', '--skip-git'], { cwd: work });
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: '' });
    const summary = JSON.parse(result.stdout) as { spec: { name: string }; target: string; dryRun: boolean; files: string[]; installed: boolean; git: string; next: string[]; notes: string[] };
    expect(summary).toMatchObject({ spec: { name: 'svc', storage: 'postgres' }, target: join(work, 'svc'), dryRun: false, installed: false, git: 'skipped' });
    expect([...summary.files].sort()).toEqual(await filesUnder(join(work, 'svc')));
    expect(summary.files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/adr/README.md']));
    expect(summary.next[0]).toBe('cd svc');
    // The defaults need a broker and Redis (PostgreSQL runs embedded): install (skipped here), then
    // run the tests, which find them through .env.development; compose is a hint, not a step.
    expect(summary.next.slice(1)).toEqual(['npm install', 'npm test']);
    expect(summary.notes[0]).toBe('npm run dev and npm test need Redis and RabbitMQ at the URLs in .env.development; not running yet? docker compose up -d redis rabbitmq');
    expect(summary.files).toContain('.env.development');
    expect(result.stdout).not.toContain(ANSI_ESCAPE);
  });

  it('is in the help', async () => {
    const help = await runCli(['new', '--help']);
    expect(help.stdout).toMatch(/^ {2}--json +print only a JSON summary/m);
  });

  it('with --dry-run lists the files and writes nothing', async () => {
    const work = await makeWorkDir('json-dry');
    const before = await snapshotTree(work);
    const result = await runCli(['new', 'svc', '--json', '--dry-run', '--storage', 'none'], { cwd: work });
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { dryRun: boolean; files: string[] };
    expect(summary.dryRun).toBe(true);
    expect(summary.files).toContain('src/main.ts');
    expect(diffTrees(before, await snapshotTree(work))).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('colours', () => {
  it('are off when stdout is not a terminal', async () => {
    const work = await makeWorkDir('colour-pipe');
    const result = await runCli(['new', 'svc', '--yes', '--skip-install', '--skip-git'], { cwd: work });
    expect(result.exitCode).toBe(0);
    expect(result.all).not.toContain(ANSI_ESCAPE);
  });

  // util-linux `script` gives the CLI a pseudo-terminal, as a person's shell would.
  const onTerminal = async (work: string, extra: Record<string, string>) => {
    const env = cleanHostEnv({ TERM: 'xterm-256color' });
    // A person's terminal: Node itself turns colours off under CI=true, as CI logs want.
    delete env['NO_COLOR'];
    delete env['CI'];
    return execa('script', ['--quiet', '--return', '--command', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_PATH)} new svc --yes --skip-install --skip-git`, '/dev/null'], {
      cwd: work,
      env: { ...env, MICROFORGE_CLI_DEPENDENCY: 'no', ...extra },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
  };

  it('are on for a terminal, and off on one when NO_COLOR is set', async () => {
    const coloured = await onTerminal(await makeWorkDir('colour-tty'), {});
    expect(coloured.exitCode).toBe(0);
    expect(coloured.stdout).toContain(ANSI_ESCAPE);
    const plain = await onTerminal(await makeWorkDir('colour-no-color'), { NO_COLOR: '1' });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toContain('Generated svc');
    expect(plain.stdout).not.toContain(ANSI_ESCAPE);
  });
});

describe('an unexpected error', () => {
  // A directory where microforge must write README.md: the write fails with EISDIR, which is no usage error.
  async function blockedTarget(): Promise<string> {
    const work = await makeWorkDir('unexpected');
    await mkdir(join(work, 'svc', 'README.md'), { recursive: true });
    return work;
  }

  it('prints one line and the --debug hint, no stack', async () => {
    const result = await runCli(['new', 'svc', '--yes', '--force', '--skip-install', '--skip-git'], { cwd: await blockedTarget() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^microforge: EISDIR/), '(run again with --debug for details)']);
  });

  it('prints the stack with --debug', async () => {
    const result = await runCli(['new', 'svc', '--yes', '--force', '--skip-install', '--skip-git', '--debug'], { cwd: await blockedTarget() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^microforge: EISDIR/);
    expect(result.stderr).toMatch(/\n {4}at /);
    expect(result.stderr).not.toContain('--debug for details');
  });
});
