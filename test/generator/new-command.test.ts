import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { CLI_PATH, REPO_ROOT } from '../e2e/support/paths.js';
import { runCli } from '../e2e/support/run.js';
import { diffTrees, snapshotTree } from '../e2e/support/snapshot.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

describe('microforge new', () => {
  it('generates from flags alone, records the choices, and leaves no staging directory', async () => {
    const work = await makeWorkDir('gen-flags');
    const result = await runCli(['new', 'calc', '--yes', '--storage', 'none', '--resource', 'quote', '--skip-install', '--skip-git'], { cwd: work });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(await readdir(work)).toEqual(['calc']);
    const recorded = (await readJson(join(work, 'calc', '.yo-rc.json')))['create-microforge'];
    expect(recorded).toMatchObject({ name: 'calc', resource: 'quote', storage: 'none', cache: 'none', messaging: 'at-least-once', broker: 'rabbitmq' });
    expect((await readJson(join(work, 'calc', 'package.json'))).name).toBe('calc');
    expect(result.stdout).toContain('Next:');
  });

  it('takes choices from an answers file, with flags overriding it, and says when it uses defaults without a terminal', async () => {
    const work = await makeWorkDir('gen-answers');
    await writeFile(join(work, 'answers.json'), JSON.stringify({ name: 'from-file', resource: 'order-line', storage: 'none' }));
    const result = await runCli(['new', 'out', '--answers', 'answers.json', '--storage', 'postgres', '--skip-install', '--skip-git'], { cwd: work });
    expect(result.exitCode).toBe(0);
    expect(result.stderr.trim()).toBe('No terminal attached: using defaults for every choice not given (as with --yes).');
    const recorded = (await readJson(join(work, 'out', '.yo-rc.json')))['create-microforge'];
    expect(recorded).toMatchObject({ name: 'from-file', resource: 'order-line', storage: 'postgres' });
    expect(await readdir(join(work, 'out', 'migrations'))).not.toHaveLength(0);
  });

  it('--dry-run lists the files and writes nothing', async () => {
    const work = await makeWorkDir('gen-dry');
    await mkdir(join(work, 'empty'));
    const before = await snapshotTree(work);
    for (const target of ['fresh', 'empty']) {
      const result = await runCli(['new', target, '--yes', '--dry-run', '--name', 'dry'], { cwd: work });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('nothing was written');
      expect(result.stdout).toMatch(/^ {2}package\.json$/m);
      expect(result.stdout).toMatch(/^ {2}k8s\/overlays\/prod\/kustomization\.yaml$/m);
    }
    expect(diffTrees(before, await snapshotTree(work))).toEqual({ added: [], removed: [], changed: [] });
  });

  it('creates a git repository with a first commit unless --skip-git', async () => {
    const work = await makeWorkDir('gen-git');
    const result = await runCli(['new', 'svc', '--yes', '--skip-install'], { cwd: work });
    expect(result.exitCode).toBe(0);
    const log = await execa('git', ['log', '--oneline'], { cwd: join(work, 'svc') });
    expect(log.stdout.split('\n')).toHaveLength(1);
    const status = await execa('git', ['status', '--porcelain'], { cwd: join(work, 'svc') });
    expect(status.stdout).toBe('');
  });

  it('--force generates into a non-empty directory and keeps files it does not render', async () => {
    const work = await makeWorkDir('gen-force');
    await mkdir(join(work, 'svc'));
    await writeFile(join(work, 'svc', 'NOTES.md'), 'mine\n');
    await writeFile(join(work, 'svc', 'README.md'), 'old\n');
    // A user-owned file (the example domain): new is an update plan against an empty record, as add and upgrade are, so it is kept.
    await mkdir(join(work, 'svc', 'src', 'items'), { recursive: true });
    await writeFile(join(work, 'svc', 'src', 'items', 'routes.ts'), '// my routes\n');
    const result = await runCli(['new', 'svc', '--yes', '--force', '--skip-install', '--skip-git'], { cwd: work });
    expect(result.exitCode).toBe(0);
    expect(await readFile(join(work, 'svc', 'NOTES.md'), 'utf8')).toBe('mine\n');
    expect(await readFile(join(work, 'svc', 'README.md'), 'utf8')).not.toBe('old\n');
    expect(await readFile(join(work, 'svc', 'src', 'items', 'routes.ts'), 'utf8')).toBe('// my routes\n');
    expect(result.stderr).toContain('Kept 1 file(s) of yours');
    expect(result.stderr).toContain('src/items/routes.ts');
  });

  it('create-microforge is microforge new', async () => {
    const work = await makeWorkDir('gen-create');
    const result = await execa(process.execPath, [join(REPO_ROOT, 'dist/bundle/create-microforge.js'), 'made', '--yes', '--dry-run'], { cwd: work, reject: false, env: { ...process.env, MICROFORGE_CLI_DEPENDENCY: 'no' } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Dry run: made would be generated');
  });

  it('keeps its compile cache in the user cache, and runs the same when that cannot be created', async () => {
    const work = await makeWorkDir('gen-compile-cache');
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NODE_COMPILE_CACHE') && key !== 'NODE_DISABLE_COMPILE_CACHE'));
    const run = (cacheHome: string) => execa(process.execPath, [CLI_PATH, 'new', 'cached', '--yes', '--dry-run'], { cwd: work, reject: false, env: { ...env, XDG_CACHE_HOME: cacheHome, MICROFORGE_CLI_DEPENDENCY: 'no' }, extendEnv: false });
    const cached = await run(join(work, 'cache'));
    expect(cached.exitCode).toBe(0);
    expect((await readdir(join(work, 'cache', 'microforge', 'compile-cache'))).length).toBeGreaterThan(0);
    // A file where the cache directory would go: no directory can be made under it.
    await writeFile(join(work, 'not-a-dir'), '');
    const uncached = await run(join(work, 'not-a-dir'));
    expect({ exitCode: uncached.exitCode, stderr: uncached.stderr, stdout: uncached.stdout }).toEqual({ exitCode: 0, stderr: '', stdout: cached.stdout });
  });

  it('prints help derived from the choice model, and the version', async () => {
    const help = await runCli(['new', '--help']);
    expect(help.exitCode).toBe(0);
    for (const flag of ['--name', '--resource', '--messaging', '--broker', '--cache', '--storage', '--answers', '--yes', '--dry-run', '--skip-install', '--skip-git', '--force']) {
      expect(help.stdout).toContain(flag);
    }
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe((await readJson(join(REPO_ROOT, 'package.json'))).version);
  });
});

describe('bad input: one line on stderr, exit 2, nothing written', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['a name that is not a DNS-1123 label', ['--name', 'Bad_Name'], /^microforge: name 'Bad_Name' must be a DNS-1123 label/],
    ['a name that is too long', ['--name', 'a'.repeat(64)], /at most 63 are allowed/],
    ['a path in the name', ['--name', '../escape'], /^microforge: name '\.\.\/escape' must not contain/],
    ['a path in the resource', ['--resource', 'a/b'], /^microforge: resource 'a\/b' must not contain/],
    ['an unknown flag', ['--frobnicate'], /^microforge: unknown option '--frobnicate'/],
    ['a flag without its value', ['--name'], /^microforge: option '--name' needs a value/],
    ['an unknown value', ['--storage', 'mysql'], /^microforge: --storage has unknown value 'mysql' \(expected one of: none, postgres\)$/],
    ['a broker without messaging', ['--messaging', 'none', '--broker', 'nats'], /^microforge: --broker nats contradicts --messaging none/],
    ['a cache without storage', ['--cache', 'redis', '--storage', 'none'], /^microforge: --cache redis contradicts --storage none/],
    ['a missing answers file', ['--answers', 'nope.json'], /^microforge: cannot read answers file nope\.json \(ENOENT\)$/],
    ['a malformed answers file', ['--answers', 'broken.json'], /^microforge: answers file broken\.json is not valid JSON/],
    ['an answers file with an unknown key', ['--answers', 'unknown-key.json'], /^microforge: 'colour' in answers file unknown-key\.json is not a known choice/],
    ['a non-empty target without --force', [], /^microforge: .*occupied is not empty; choose another directory or pass --force/],
  ];

  it.each(cases)('%s', async (_what, args, message) => {
    const work = await makeWorkDir('gen-bad');
    await mkdir(join(work, 'occupied'));
    await writeFile(join(work, 'occupied', 'keep.txt'), 'keep\n');
    await writeFile(join(work, 'broken.json'), '{"name": ');
    await writeFile(join(work, 'unknown-key.json'), '{"colour": "red"}');
    const before = await snapshotTree(work);
    const result = await runCli(['new', 'occupied', '--yes', '--skip-install', '--skip-git', ...args], { cwd: work });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(diffTrees(before, await snapshotTree(work))).toEqual({ added: [], removed: [], changed: [] });
  });

  it('an unknown command', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe("microforge: unknown command 'frobnicate' (commands: new, add, upgrade, audit; see --help)");
  });

  it('a directory name that cannot be a service name, without --name', async () => {
    const work = await makeWorkDir('gen-dirname');
    const result = await runCli(['new', 'My_Service', '--yes', '--skip-install', '--skip-git'], { cwd: work });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toMatch(/^microforge: the directory name cannot be the service name .*; pass --name$/);
    expect(await readdir(work)).toEqual([]);
  });
});

it('the CLI under test is the bundle the package ships', async () => {
  expect(CLI_PATH).toBe(join(REPO_ROOT, JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')).bin.microforge));
});

describe('on the lowest supported Node.js', () => {
  it('generates with nothing on stderr on Node 22.18.0', async () => {
    const { nodeBinDirFor } = await import('../e2e/support/env.js');
    const node = join(nodeBinDirFor('22.18.0'), 'node');
    const work = await makeWorkDir('gen-node22');
    // Forced: whether the registry has this release would add a line (cli-dependency.ts).
    const env = { ...process.env, MICROFORGE_CLI_DEPENDENCY: 'no' };
    const result = await execa(node, [CLI_PATH, 'new', 'svc', '--yes', '--skip-install', '--skip-git'], { cwd: work, reject: false, env });
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(await readdir(join(work, 'svc'))).toContain('package.json');
  }, 120_000);
});
