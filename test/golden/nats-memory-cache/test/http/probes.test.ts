import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventLoopWatchdog } from '../../src/event-loop-watchdog.ts';
import { Lifecycle } from '../../src/lifecycle.ts';
import { startedLifecycle, testApp } from '../helpers.ts';

describe('probes', () => {
  it('all pass once started', async (t) => {
    const app = await testApp();
    t.after(() => app.close());
    for (const url of ['/startupz', '/livez', '/readyz']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.json().status, 'ok');
      assert.equal(response.headers['cache-control'], 'no-store');
    }
  });

  it('startupz and readyz fail while starting; livez passes', async (t) => {
    const app = await testApp({ lifecycle: new Lifecycle({ checkTimeoutMs: 100 }) });
    t.after(() => app.close());
    assert.equal((await app.inject({ url: '/startupz' })).statusCode, 503);
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 503);
    assert.equal((await app.inject({ url: '/livez' })).statusCode, 200);
  });

  it('readyz turns 503 when shutdown begins', async (t) => {
    const lifecycle = startedLifecycle();
    const app = await testApp({ lifecycle });
    t.after(() => app.close());
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    lifecycle.beginShutdown();
    const response = await app.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), { status: 'unavailable', phase: 'stopping', reason: 'shutting down', checks: [] });
  });

  it('readyz names the failing dependency', async (t) => {
    const lifecycle = startedLifecycle();
    lifecycle.registerCheck({ name: 'database', check: async () => Promise.reject(new Error('ECONNREFUSED')) });
    lifecycle.registerCheck({ name: 'cache', check: async () => {} });
    const app = await testApp({ lifecycle });
    t.after(() => app.close());
    const response = await app.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 503);
    const body = response.json();
    assert.equal(body.reason, 'dependency check failed: database');
    assert.deepEqual(
      body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok]),
      [
        ['database', false],
        ['cache', true],
      ],
    );
    assert.equal((await app.inject({ url: '/livez' })).statusCode, 200, 'a dependency never fails liveness');
  });

  it('livez turns 503 after a fatal error', async (t) => {
    const lifecycle = startedLifecycle();
    const app = await testApp({ lifecycle });
    t.after(() => app.close());
    lifecycle.markFatal(new Error('uncaught'));
    const response = await app.inject({ url: '/livez' });
    assert.equal(response.statusCode, 503);
    assert.match(response.json().reason, /^fatal error: Error: uncaught$/);
  });

  it('livez turns 503 after an event-loop stall', async (t) => {
    const watchdog = new EventLoopWatchdog({ stallMs: 300, intervalMs: 50 });
    const lifecycle = startedLifecycle({ stallDetector: watchdog });
    const app = await testApp({ lifecycle });
    t.after(async () => {
      watchdog.stop();
      await app.close();
    });
    watchdog.start();
    await sleep(100);
    assert.equal((await app.inject({ url: '/livez' })).statusCode, 200);
    const until = performance.now() + 700;
    while (performance.now() < until) {
      // starve the event loop
    }
    await sleep(1); // the overdue watchdog sample runs first
    const response = await app.inject({ url: '/livez' });
    assert.equal(response.statusCode, 503);
    assert.match(response.json().reason, /^event loop stalled/);
  });
});
