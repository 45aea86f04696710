import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createShutdown } from '../src/shutdown.ts';
import { silentLogger, startedLifecycle, testApp } from './helpers.ts';

describe('graceful shutdown', () => {
  it('fails readiness at once, lets in-flight requests finish, closes resources and exits 0', async () => {
    const lifecycle = startedLifecycle();
    const app = await testApp({ lifecycle });
    app.get('/slow', async () => {
      await sleep(300);
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    const base = `http://127.0.0.1:${address.port}`;

    const closed: string[] = [];
    lifecycle.registerCloser({ name: 'database', close: async () => void closed.push('database') });
    let exitCode: number | undefined;
    const shutdown = createShutdown({
      lifecycle,
      logger: silentLogger,
      // Long enough for the probes below to land before the listener closes, even on a busy machine.
      drainMs: 1_000,
      timeoutMs: 5_000,
      closeServer: () => app.close(),
      exit: (code) => {
        exitCode = code;
      },
    });

    const inFlight = fetch(`${base}/slow`);
    await sleep(50);
    const stopping = shutdown('SIGTERM');

    const readyz = await fetch(`${base}/readyz`);
    assert.equal(readyz.status, 503, 'readiness fails as soon as shutdown begins');
    assert.equal(((await readyz.json()) as { reason: string }).reason, 'shutting down');
    assert.equal((await fetch(`${base}/livez`)).status, 200, 'the process is still alive while it drains');

    const slow = await inFlight;
    assert.equal(slow.status, 200, 'the in-flight request finished');
    assert.deepEqual(await slow.json(), { done: true });

    await stopping;
    assert.equal(exitCode, 0);
    assert.deepEqual(closed, ['database']);
    assert.equal(lifecycle.phase, 'stopped');
    await assert.rejects(fetch(`${base}/livez`), 'the listener is closed');
  });

  it('runs once even when signalled twice', async () => {
    const lifecycle = startedLifecycle();
    let closes = 0;
    const exits: number[] = [];
    const shutdown = createShutdown({
      lifecycle,
      logger: silentLogger,
      drainMs: 0,
      timeoutMs: 5_000,
      closeServer: async () => void closes++,
      exit: (code) => void exits.push(code),
    });
    await Promise.all([shutdown('SIGTERM'), shutdown('SIGINT')]);
    assert.equal(closes, 1);
    assert.deepEqual(exits, [0]);
  });

  it('exits 1 when a resource fails to close', async () => {
    const lifecycle = startedLifecycle();
    lifecycle.registerCloser({ name: 'broken', close: async () => Promise.reject(new Error('stuck')) });
    let exitCode: number | undefined;
    const shutdown = createShutdown({
      lifecycle,
      logger: silentLogger,
      drainMs: 0,
      timeoutMs: 5_000,
      closeServer: async () => {},
      exit: (code) => {
        exitCode = code;
      },
    });
    await shutdown('SIGTERM');
    assert.equal(exitCode, 1);
  });

  it('exits 1 at the hard deadline when something hangs', async () => {
    const lifecycle = startedLifecycle();
    const exits: number[] = [];
    const shutdown = createShutdown({
      lifecycle,
      logger: silentLogger,
      drainMs: 0,
      timeoutMs: 100,
      closeServer: () => new Promise<void>(() => {}),
      exit: (code) => void exits.push(code),
    });
    void shutdown('SIGTERM');
    await sleep(250);
    assert.deepEqual(exits, [1]);
  });
});
