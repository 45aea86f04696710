// A generated service's built `dist/main.js` on the services' Node as a plain child process in production
// mode, its stdout and stderr collected line by line; killed at cleanup if still running.
import { spawn, type ChildProcess } from 'node:child_process';
import { registerCleanup } from './cleanup.js';
import { cleanHostEnv, serviceNodePath } from './env.js';

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BuiltService {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Output lines so far (stdout and stderr interleaved); the array passed in, if any. */
  lines: string[];
  exited: Promise<ServiceExit>;
  /** SIGTERM; resolves with how the process ended. */
  stop(): Promise<ServiceExit>;
}

/** `lines` may be shared across restarts of one service, so a test sees every run's output. */
export function startBuiltService(repo: string, port: number, env: Record<string, string>, lines: string[] = []): BuiltService {
  const child = spawn(serviceNodePath(), ['dist/main.js'], {
    cwd: repo,
    env: cleanHostEnv({ NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  const collect = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<ServiceExit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  registerCleanup(`service pid ${child.pid}`, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    lines,
    exited,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
