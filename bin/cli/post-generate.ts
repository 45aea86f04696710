/** The steps after the files are in place: installing the dependencies and a first git commit. */
import type { PackageManagerCommands } from '../../generators/lib/package-manager.js';
import type { Reporter } from './reporter.js';

/** execa is about 100 modules: loaded only when a step runs, so --skip-install --skip-git does not pay for it. */
const loadExeca = async () => (await import('execa')).execa;

export class StepFailure extends Error {}

/** npm's own flags: no audit or funding report in the middle of the generator's output. */
const QUIET_NPM_INSTALL = ['--no-audit', '--no-fund'];

export async function installDependencies(directory: string, reporter: Reporter, manager: PackageManagerCommands): Promise<void> {
  reporter.progress(`Installing dependencies (${manager.install})…`);
  const started = Date.now();
  const execa = await loadExeca();
  const result = await execa(manager.id, ['install', ...(manager.id === 'npm' ? QUIET_NPM_INSTALL : [])], {
    cwd: directory,
    reject: false,
    stdin: 'ignore',
    // The manager's own progress goes to the user's terminal; in CI it is quiet and only problems show.
    stdout: reporter.interactiveOutput ? 'inherit' : 'pipe',
    stderr: 'inherit',
    // This install writes the lockfile the repo starts with, so it may not be an immutable one:
    // Yarn makes every install immutable when CI is set, and then refuses to create yarn.lock.
    env: { npm_config_loglevel: reporter.interactiveOutput ? 'notice' : 'error', YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' },
  });
  if (result.exitCode !== 0) {
    // Quiet output was held back; the manager's own account of the failure is what to act on.
    if (!reporter.interactiveOutput && typeof result.stdout === 'string' && result.stdout.trim() !== '') process.stderr.write(`${result.stdout.trimEnd()}\n`);
    const cause = (result as { code?: string }).code === 'ENOENT' ? `${manager.id} is not on PATH` : `${manager.install} failed with exit code ${result.exitCode ?? result.signal}`;
    throw new StepFailure(`${cause}; the repo is complete, run ${manager.install} in ${directory} once the problem is fixed`);
  }
  reporter.progress(`Installed dependencies in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function git(directory: string, args: string[]) {
  const execa = await loadExeca();
  return execa('git', args, { cwd: directory, reject: false, stdin: 'ignore' });
}

/** Creates the repo and its first commit; a repo already around the target is left alone. */
export async function createGitRepository(directory: string, message: string, reporter: Reporter): Promise<'created' | 'unchanged' | 'inside-existing' | 'no-git'> {
  const probe = await git(directory, ['rev-parse', '--is-inside-work-tree']).catch(() => undefined);
  if (probe === undefined || (probe.exitCode !== 0 && /not found|ENOENT/.test(String(probe.stderr)))) {
    reporter.notice('git is not installed: skipped creating a repository');
    return 'no-git';
  }
  const topLevel = await git(directory, ['rev-parse', '--show-toplevel']);
  if (probe.exitCode === 0 && topLevel.stdout.trim() !== directory) {
    reporter.notice(`${directory} is inside the git repository ${topLevel.stdout.trim()}: left committing to you`);
    return 'inside-existing';
  }
  reporter.progress('Creating the git repository…');
  const identity = await git(directory, ['config', 'user.email']);
  // A machine without a git identity (fresh CI runner) still gets a first commit, clearly authored.
  const author = identity.exitCode === 0 ? [] : ['-c', 'user.name=microforge', '-c', 'user.email=microforge@localhost'];
  const run = async (args: string[]) => {
    const result = await git(directory, args);
    if (result.exitCode !== 0) throw new StepFailure(`git ${args.filter((arg) => !arg.startsWith('user.')).join(' ')} failed: ${result.stderr.trim().split('\n')[0]}`);
    return result;
  };
  await run(['init', '--quiet', '--initial-branch=main']);
  await run(['add', '--all']);
  // Generating again with the same choices changes nothing, so it makes no commit either.
  if ((await run(['status', '--porcelain'])).stdout.trim() === '') return 'unchanged';
  await run([...author, 'commit', '--quiet', '--no-verify', '-m', message]);
  return 'created';
}
