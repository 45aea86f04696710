// Spawning the built CLI and tools (npm) in generated repos. Never throws on a non-zero exit:
// tests assert on exitCode and print the output themselves.
import { execa } from 'execa';
import { CLI_PATH } from './paths.js';
import { cleanHostEnv, envWithServiceNode, type Env } from './env.js';

export interface RunResult {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  all: string;
  durationMs: number;
}

export interface RunOptions {
  cwd?: string;
  /** Added to (and overriding) the cleaned host environment. */
  env?: Env;
  /** Text on stdin; stdin is otherwise closed (/dev/null-like), never a TTY. */
  input?: string;
  timeoutMs?: number;
}

function toResult(r: {
  exitCode?: number | undefined;
  signal?: string | undefined;
  timedOut: boolean;
  stdout: unknown;
  stderr: unknown;
  all?: unknown;
  durationMs: number;
}): RunResult {
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    all: String(r.all ?? ''),
    durationMs: r.durationMs,
  };
}

/**
 * `node dist/bundle/microforge.js ...args` on the Node running the tests, as a user would run it
 * from a pipe: no TTY, FORCE_COLOR, npm_* and NODE_OPTIONS removed, stdin closed unless `input`.
 */
export async function runCli(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await execa(process.execPath, [CLI_PATH, ...args], {
    cwd: opts.cwd ?? process.cwd(),
    // Repos run microforge through npx unless a test asks otherwise: no registry lookup at every
    // `new` (package.test.ts covers the published path, against its registry stand-in).
    env: cleanHostEnv({ MICROFORGE_CLI_DEPENDENCY: 'no', ...opts.env }),
    extendEnv: false,
    reject: false,
    all: true,
    stripFinalNewline: false,
    ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
    timeout: opts.timeoutMs ?? 60_000,
  });
  return toResult(r);
}

/** Any command with the services' Node first in PATH (e.g. `npm ci`, `npm test` in a generated repo). */
export async function runWithServiceNode(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const r = await execa(command, args, {
    cwd: opts.cwd ?? process.cwd(),
    env: envWithServiceNode({ CI: 'true', NO_UPDATE_NOTIFIER: '1', npm_config_fund: 'false', npm_config_audit: 'false', ...opts.env }),
    extendEnv: false,
    reject: false,
    all: true,
    ...(opts.input === undefined ? { stdin: 'ignore' as const } : { input: opts.input }),
    timeout: opts.timeoutMs ?? 600_000,
  });
  return toResult(r);
}

/** `npm ...args` under the services' Node in `cwd`. */
export function npmWithServiceNode(cwd: string, args: readonly string[], opts: Omit<RunOptions, 'cwd'> = {}): Promise<RunResult> {
  return runWithServiceNode('npm', args, { ...opts, cwd });
}

/** A readable failure message for expect(...) when a run should have succeeded. */
export function describeRun(what: string, r: RunResult): string {
  const tail = r.all.length > 6000 ? `…${r.all.slice(-6000)}` : r.all;
  return `${what}: exit ${String(r.exitCode)}${r.signal ? ` signal ${r.signal}` : ''}${r.timedOut ? ' (timed out)' : ''}\n${tail}`;
}
