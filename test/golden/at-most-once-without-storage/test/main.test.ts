/** The real process: start-up, probes and a graceful SIGTERM, as a container runtime drives it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openBrokerClient } from './messaging/broker-client.ts';
import { brokerUrl, uniqueMessagingNames } from './helpers.ts';

const names = uniqueMessagingNames('main');

/** Removes the queues/streams the service declared under this test's names. */
async function deleteTopology(): Promise<void> {
  const client = await openBrokerClient(names);
  await client.close();
}

const root = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

function start(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    cwd: root,
    env: {
      PATH: process.env['PATH'] ?? '',
      AMQP_URL: brokerUrl(),
      MESSAGING_COMMANDS: names.commands,
      MESSAGING_EVENTS: names.events,
      MESSAGING_DEAD_LETTER: names.deadLetter,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('main', () => {
  it('starts, passes its probes and shuts down cleanly on SIGTERM', async (t) => {
    const port = await freePort();
    const service = start({ PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DRAIN_MS: '100', LOG_LEVEL: 'info' });
    t.after(() => service.child.kill('SIGKILL'));
    t.after(deleteTopology);
    const base = `http://127.0.0.1:${port}`;

    let started = false;
    for (let attempt = 0; attempt < 100 && !started; attempt++) {
      started = await fetch(`${base}/startupz`).then(
        (response) => response.ok,
        () => false,
      );
      if (!started) await sleep(100);
    }
    assert.ok(started, `the service did not start: ${JSON.stringify(service.output())}`);
    assert.equal((await fetch(`${base}/livez`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);

    const signalled = performance.now();
    service.child.kill('SIGTERM');
    const [code] = await service.exited;
    const tookMs = performance.now() - signalled;
    assert.equal(code, 0, JSON.stringify(service.output()));
    assert.ok(tookMs < 10_000, `shutdown took ${Math.round(tookMs)} ms`);

    const lines = service.output().stdout.trim().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `every log line is JSON: ${line}`);
    assert.ok(lines.some((line) => JSON.parse(line).msg === 'shutdown complete'));
    assert.ok(!lines.some((line) => line.includes('/livez')), 'probe requests are not logged at info level');
    assert.ok(!service.output().stdout.includes(brokerUrl()), 'the broker URL is never logged');
  });

  it('refuses to start on invalid configuration with one clear line and exit code 1', async () => {
    const service = start({ PORT: 'not-a-port' });
    const [code] = await service.exited;
    assert.equal(code, 1);
    const { stdout, stderr } = service.output();
    assert.equal(stdout, '');
    assert.equal(stderr, 'orders: invalid configuration: PORT must be an integer port between 0 and 65535\n');
  });

  it('--warm-compile-cache (the image build step) compiles every module into the cache and exits before reading configuration', async (t) => {
    const cache = mkdtempSync(path.join(tmpdir(), 'compile-cache-'));
    t.after(() => rmSync(cache, { recursive: true, force: true }));
    const service = start({ PORT: 'not-a-port', NODE_COMPILE_CACHE: cache }, ['--warm-compile-cache']);
    const [code] = await service.exited;
    assert.deepEqual({ code, ...service.output() }, { code: 0, stdout: '', stderr: '' });
    const cached = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    assert.ok(cached.length > 20, `one cache entry per module, found ${cached.length}`);
  });
});
