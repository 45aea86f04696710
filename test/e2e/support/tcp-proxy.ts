// A TCP proxy the test owns, in a child process of its own so a test can cut a dependency (kill
// it: open connections reset, new ones refused), freeze it (SIGSTOP: connections hang like a
// partitioned or stalled server; SIGCONT to thaw) and restart it on the same port, without
// touching the machine's shared PostgreSQL, Redis, RabbitMQ or NATS.
import { spawn, type ChildProcess } from 'node:child_process';
import { killChild } from './child-process.js';
import { registerCleanup } from './cleanup.js';
import { freePort, tcpOpen } from './net.js';

// The proxy itself: each client piped to a new connection to the target, both ends destroyed
// together. Run with `node -e`, the port and target as arguments.
const PROXY_SOURCE = `
const net = require('node:net');
const [listenPort, targetHost, targetPort] = process.argv.slice(1);
net.createServer((client) => {
  const upstream = net.connect({ host: targetHost, port: Number(targetPort) });
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
  client.pipe(upstream); upstream.pipe(client);
}).listen(Number(listenPort), '127.0.0.1', () => process.stdout.write('listening\\n'));
`;

export interface TcpProxy {
  readonly port: number;
  /** Kill the proxy: every connection through it is reset, new ones are refused. */
  cut(): Promise<void>;
  /** Start it again on the same port (ends an outage). */
  restore(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing moves. */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** End it for good. */
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    // The port may still be in TIME_WAIT from the previous run for a moment; retry briefly.
    for (let attempt = 0; ; attempt++) {
      const started = spawn(process.execPath, ['-e', PROXY_SOURCE, String(port), targetHost, String(targetPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const ok = await new Promise<boolean>((resolve) => {
        started.stdout!.once('data', () => resolve(true));
        started.once('exit', () => resolve(false));
      });
      if (ok) {
        child = started;
        return;
      }
      if (attempt > 50) throw new Error(`tcp proxy could not listen on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    await killChild(running);
    while (await tcpOpen(port, '127.0.0.1', 200)) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await launch();
  const unregister = registerCleanup(`tcp proxy ${port} -> ${targetHost}:${targetPort}`, kill);
  return {
    port,
    cut: kill,
    restore: launch,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    stop: unregister,
  };
}
