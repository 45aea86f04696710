// A Redis server of the test's own on a free port: the machine's Redis (6379) is shared with other
// sessions and CI, so a test that needs Redis to crash, freeze or reject a password starts this one
// and ends it by its PID. Nothing is persisted (--save '' --appendonly no), its dir is a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killChild } from './child-process.js';
import { registerCleanup } from './cleanup.js';
import { freePort, tcpOpen } from './net.js';

export interface PrivateRedis {
  readonly port: number;
  /** redis://[:password@]127.0.0.1:<port> */
  readonly url: string;
  /** Kills the server with SIGKILL (a crash: open connections reset, new ones refused). */
  crash(): Promise<void>;
  /** Starts it again on the same port (after crash()). */
  restart(): Promise<void>;
  /** Ends it for good and removes its dir. */
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Sets --requirepass: clients must AUTH with it. */
  password?: string;
}

async function waitOpen(port: number, open: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await tcpOpen(port)) !== open) {
    if (Date.now() > deadline) throw new Error(`private redis-server on ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'mf-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitOpen(port, true);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    await killChild(running);
    await waitOpen(port, false);
  };
  await launch();
  const unregister = registerCleanup(`private redis-server on ${port}`, async () => {
    await kill();
    await rm(dir, { recursive: true, force: true });
  });
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    crash: kill,
    restart: launch,
    stop: unregister,
  };
}
