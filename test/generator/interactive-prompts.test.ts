/**
 * The real prompts, on a pseudo-terminal (util-linux `script`): pressing Enter at every question
 * must give the same repo as --yes, because a prompt's default follows the answers given
 * earlier in the same run (Redis is the cache default only once PostgreSQL was chosen).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { cleanHostEnv } from '../e2e/support/env.js';
import { CLI_PATH } from '../e2e/support/paths.js';
import { runCli } from '../e2e/support/run.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

const shellQuote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;

/** Runs the CLI on a pseudo-terminal and presses `key` at each question (Enter by default) until it exits; returns what the terminal showed. */
async function pressAtEachQuestion(args: readonly string[], cwd: string, key = '\r'): Promise<{ exitCode: number | null; screen: string }> {
  const command = [process.execPath, CLI_PATH, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd,
    env: cleanHostEnv({ TERM: 'xterm', NO_COLOR: '1', MICROFORGE_CLI_DEPENDENCY: 'no' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  // One Enter per question shown so far (prompts redraw, so count distinct questions).
  let answered = 0;
  const timer = setInterval(() => {
    const asked = questionsShown(screen).length;
    if (asked > answered && child.stdin.writable) {
      answered = asked;
      child.stdin.write(key);
    }
  }, 200);
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  clearInterval(timer);
  return { exitCode, screen };
}

/** The distinct questions a terminal showed, in order. */
function questionsShown(screen: string): string[] {
  return [...new Set(screen.match(/\[(?:Service|Data|Messaging)\] [A-Z][a-z]+ [a-z]+/g) ?? [])];
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name))).sort();
}

const recordedChoices = async (repo: string): Promise<unknown> => {
  const { name, resource, storage, cache, messaging, broker } = JSON.parse(await readFile(join(repo, '.yo-rc.json'), 'utf8'))['create-microforge'];
  return { name, resource, storage, cache, messaging, broker };
};

describe('interactive prompts', () => {
  it('Enter at every question renders what --yes renders', async () => {
    const work = await makeWorkDir('prompts-enter');
    const prompted = await pressAtEachQuestion(['new', 'svc', '--skip-install', '--skip-git'], work);
    expect({ exitCode: prompted.exitCode, asked: questionsShown(prompted.screen) }).toEqual({
      exitCode: 0,
      asked: ['[Service] Service name', '[Service] Example resource', '[Data] Storage owned', '[Data] Read cache', '[Messaging] Messaging semantics', '[Messaging] Message broker'],
    });
    const yesWork = await makeWorkDir('prompts-yes');
    const defaults = await runCli(['new', 'svc', '--yes', '--skip-install', '--skip-git'], { cwd: yesWork });
    expect(defaults.exitCode).toBe(0);
    const yesRepo = join(yesWork, 'svc');

    expect(await recordedChoices(join(work, 'svc'))).toEqual({ name: 'svc', resource: 'item', storage: 'postgres', cache: 'redis', messaging: 'at-least-once', broker: 'rabbitmq' });
    expect(await recordedChoices(join(work, 'svc'))).toEqual(await recordedChoices(yesRepo));
    expect(await filesUnder(join(work, 'svc'))).toEqual(await filesUnder(yesRepo));
  }, 120_000);

  // The bundle is minified without keeping function names: cancellation is still told apart,
  // by the name inquirer gives its error.
  it('Ctrl-C at a question cancels with 130 and writes nothing', async () => {
    const work = await makeWorkDir('prompts-cancel');
    const cancelled = await pressAtEachQuestion(['new', 'svc', '--skip-install', '--skip-git'], work, '\u0003');
    expect({ exitCode: cancelled.exitCode, asked: questionsShown(cancelled.screen) }).toEqual({ exitCode: 130, asked: ['[Service] Service name'] });
    expect(cancelled.screen).toContain('microforge: cancelled; nothing was written');
    expect(await readdir(work)).toEqual([]);
  }, 60_000);
});
