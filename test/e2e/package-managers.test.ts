/**
 * `pnpm create microforge` and `yarn create microforge`, end to end: pnpm and Yarn are installed
 * from the npm registry into a prefix of this test's own, the built CLI runs with the
 * npm_config_user_agent each of them sets for what it runs, and the generated repo is installed
 * by that manager (not npm), then installs again exactly from its lockfile as CI and the image do,
 * type-checks, builds and passes its own tests with it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { PINNED_PACKAGE_MANAGER_VERSIONS } from '../../generators/lib/package-manager.js';
import {
  describeRun,
  isolatedTmpDir,
  makeWorkDir,
  messagingNames,
  npmWithServiceNode,
  openTestBroker,
  runCli,
  runWithServiceNode,
  serviceNodeBinDir,
  useE2eCleanup,
  type RunResult,
} from './support/index.js';

useE2eCleanup(120_000);

const MINUTES = 60_000;
const { pnpm: PNPM_VERSION, yarn: YARN_VERSION } = PINNED_PACKAGE_MANAGER_VERSIONS;

let work: string;
let managersBin: string;
/**
 * The managers' temp and runtime dir, in the work dir and removed with it: pnpm keeps its
 * store-operation locks in /tmp/pnpm-store-operation-locks-<uid> (not in TMPDIR) unless
 * XDG_RUNTIME_DIR names another directory, and left them behind.
 */
let managersTmp: string;

const ok = (what: string, result: RunResult) =>
  expect({ what, exitCode: result.exitCode, output: result.exitCode === 0 ? '' : describeRun(what, result) }).toEqual({ what, exitCode: 0, output: '' });
/** The services' Node first, then the managers this test installed, then the system. */
const withManagers = () => ({ PATH: `${serviceNodeBinDir()}:${managersBin}:${process.env.PATH ?? ''}`, TMPDIR: managersTmp, XDG_RUNTIME_DIR: managersTmp });

beforeAll(async () => {
  work = await makeWorkDir('e2e-package-managers');
  const prefix = join(work, 'managers');
  const installed = await npmWithServiceNode(work, ['install', '--global', '--prefix', prefix, '--ignore-scripts', `pnpm@${PNPM_VERSION}`, `@yarnpkg/cli-dist@${YARN_VERSION}`], {
    timeoutMs: 5 * MINUTES,
  });
  ok('npm install --global pnpm yarn', installed);
  managersBin = join(prefix, 'bin');
  managersTmp = (await isolatedTmpDir(work)).path;
}, 6 * MINUTES);

afterAll(async () => {
  // pnpm's content store and Yarn's cache live under HOME by default: this test pointed them into work.
  if (work) await rm(join(work, 'store'), { recursive: true, force: true });
});

describe.each([
  {
    id: 'pnpm',
    version: PNPM_VERSION,
    lockfile: 'pnpm-lock.yaml',
    // The default repo: PostgreSQL (embedded in the tests), Redis and RabbitMQ from .env.development.
    flags: [] as string[],
    frozen: ['install', '--frozen-lockfile'],
    storeEnv: (store: string) => ({ npm_config_store_dir: store }),
  },
  {
    id: 'yarn',
    version: YARN_VERSION,
    lockfile: 'yarn.lock',
    flags: ['--storage', 'none', '--messaging', 'none'],
    frozen: ['install', '--immutable'],
    storeEnv: (store: string) => ({ YARN_GLOBAL_FOLDER: store }),
  },
])('$id create microforge', ({ id, version, lockfile, flags, frozen, storeEnv }) => {
  const name = `${id}-made-${randomBytes(3).toString('hex')}`;
  let repo = '';

  it(`installs the generated repo with ${id} and names ${id} in the next steps`, async () => {
    repo = join(work, name);
    const env = { ...withManagers(), ...storeEnv(join(work, 'store', id)), npm_config_user_agent: `${id}/${version} npm/? node/v26.12.1 linux x64` };
    if (flags.length === 0) await openTestBroker('rabbitmq', messagingNames(name, 'item')); // removes the service's queues afterwards
    const generated = await runCli(['new', name, '--yes', ...flags], { cwd: work, env, timeoutMs: 8 * MINUTES });
    ok(`${id} create microforge`, generated);
    const next = generated.stdout.slice(generated.stdout.indexOf('Next:')).split('\n').map((line) => line.trim()).filter(Boolean);
    expect(next.slice(0, 3)).toEqual(['Next:', `cd ${name}`, `${id} test`]);
    expect(existsSync(join(repo, lockfile))).toBe(true);
    expect(existsSync(join(repo, 'package-lock.json'))).toBe(false);
    expect(JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')).packageManager).toBe(id === 'yarn' ? `${id}@${version}` : undefined);
    expect(JSON.parse(await readFile(join(repo, '.yo-rc.json'), 'utf8'))['create-microforge'].packageManager).toBe(`${id}@${version}`);
    // The first commit holds the lockfile and nothing the manager keeps for itself.
    const tracked = (await execa('git', ['ls-files'], { cwd: repo })).stdout.split('\n');
    expect(tracked).toContain(lockfile);
    expect(tracked.filter((path) => path.startsWith('.yarn/') || path.startsWith('node_modules/'))).toEqual([]);
  }, 9 * MINUTES);

  it(`installs exactly from ${lockfile} (as CI and the image do), type-checks, builds and passes its tests with ${id}`, async () => {
    await rm(join(repo, 'node_modules'), { recursive: true, force: true });
    const store = storeEnv(join(work, 'store', id));
    const run = (args: readonly string[]) => runWithServiceNode(id, args, { cwd: repo, env: { ...withManagers(), ...store }, timeoutMs: 8 * MINUTES });
    ok(`${id} ${frozen.join(' ')}`, await run(frozen));
    ok(`${id} typecheck`, await run(['typecheck']));
    ok(`${id} build`, await run(['build']));
    expect(existsSync(join(repo, 'dist', 'main.js'))).toBe(true);
    const tested = await runWithServiceNode(id, ['test'], { cwd: repo, env: { ...withManagers(), ...store, DATABASE_URL: '' }, timeoutMs: 8 * MINUTES });
    ok(`${id} test`, tested);
    expect(Number(/^ℹ pass (\d+)$/m.exec(tested.stdout)?.[1] ?? 0)).toBeGreaterThan(0);
    expect(Number(/^ℹ fail (\d+)$/m.exec(tested.stdout)?.[1] ?? -1)).toBe(0);
  }, 20 * MINUTES);
});
