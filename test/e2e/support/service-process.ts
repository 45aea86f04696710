// A generated service as a plain child process on the services' Node (no sandbox): for runs where several
// instances start at once, or `npm run dev` watches the source. Registered for cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { registerCleanup } from './cleanup.js';
import { envWithServiceNode, type Env } from './env.js';
import { waitForHttp } from './http.js';

export interface ServiceProcess {
  baseUrl: string;
  child: ChildProcess;
  output(): string;
  /** Every JSON log line's `msg`, in order. */
  messages(): string[];
  waitReady(timeoutMs: number): Promise<void>;
  /**
   * A signal to the whole process group (npm → node --watch → node), SIGTERM unless told (SIGINT
   * is what Ctrl-C sends); resolves with the exit code.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServiceProcess(options: { cwd: string; command: string; args: readonly string[]; port: number; env?: Env }): ServiceProcess {
  // Its own process group, so stop() reaches npm's and node --watch's children too.
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: envWithServiceNode({ PORT: String(options.port), HOST: '127.0.0.1', SHUTDOWN_DRAIN_MS: '100', ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const groupAlive = (): boolean => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 0);
      return child.pid !== undefined;
    } catch {
      return false;
    }
  };
  const kill = registerCleanup(`service process ${options.args.join(' ')}`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup('SIGKILL');
      await exited;
    }
  });
  return {
    baseUrl,
    child,
    output: () => output,
    messages: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => String((JSON.parse(line) as { msg?: unknown }).msg ?? '')),
    async waitReady(timeoutMs) {
      await waitForHttp(`${baseUrl}/readyz`, {
        status: 200,
        timeoutMs,
        abortIf: () => (child.exitCode !== null ? `the process exited with ${child.exitCode}: ${output}` : undefined),
      });
    },
    async stop(signal = 'SIGTERM') {
      signalGroup(signal);
      const timer = setTimeout(() => signalGroup('SIGKILL'), 15_000);
      const [code] = await exited;
      // npm exits at once on SIGTERM; the service under it is done only when the group is empty.
      while (groupAlive()) await new Promise((resolve) => setTimeout(resolve, 50));
      clearTimeout(timer);
      await kill();
      return code;
    },
  };
}
