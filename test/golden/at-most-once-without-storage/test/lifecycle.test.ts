import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lifecycle } from '../src/lifecycle.ts';

describe('Lifecycle', () => {
  it('is neither started nor ready until start-up finishes', async () => {
    const lifecycle = new Lifecycle({ checkTimeoutMs: 100 });
    assert.equal(lifecycle.startup().ok, false);
    assert.equal((await lifecycle.readiness()).ok, false);
    assert.equal(lifecycle.liveness().ok, true);
    lifecycle.markStarted();
    assert.equal(lifecycle.startup().ok, true);
    assert.equal((await lifecycle.readiness()).ok, true);
  });

  it('is not ready once shutdown begins, and begins it only once', async () => {
    const lifecycle = new Lifecycle({ checkTimeoutMs: 100 });
    lifecycle.markStarted();
    assert.equal(lifecycle.beginShutdown(), true);
    assert.equal(lifecycle.beginShutdown(), false);
    const readiness = await lifecycle.readiness();
    assert.equal(readiness.ok, false);
    assert.equal(readiness.reason, 'shutting down');
    assert.equal(lifecycle.liveness().ok, true, 'shutting down is not a liveness failure');
    lifecycle.markStarted();
    assert.equal(lifecycle.phase, 'stopping', 'a late start-up does not undo shutdown');
  });

  it('reports every failing dependency check by name, and times out slow ones', async () => {
    const lifecycle = new Lifecycle({ checkTimeoutMs: 50 });
    lifecycle.registerCheck({ name: 'healthy', check: async () => {} });
    lifecycle.registerCheck({ name: 'broken', check: async () => Promise.reject(new Error('connection refused')) });
    lifecycle.registerCheck({ name: 'slow', check: (signal) => sleep(5_000, undefined, { signal }) });
    lifecycle.markStarted();
    const started = performance.now();
    const readiness = await lifecycle.readiness();
    assert.ok(performance.now() - started < 1_000);
    assert.equal(readiness.ok, false);
    assert.equal(readiness.reason, 'dependency check failed: broken, slow');
    assert.deepEqual(
      readiness.checks.map(({ name, ok, error }) => ({ name, ok, error })),
      [
        { name: 'healthy', ok: true, error: undefined },
        { name: 'broken', ok: false, error: 'connection refused' },
        { name: 'slow', ok: false, error: 'timed out after 50 ms' },
      ],
    );
  });

  it('stays ready while a check that does not gate readiness fails, and still reports it', async () => {
    const lifecycle = new Lifecycle({ checkTimeoutMs: 100 });
    lifecycle.registerCheck({ name: 'database', check: async () => undefined });
    lifecycle.registerCheck({ name: 'broker', gatesReadiness: false, check: async () => Promise.reject(new Error('connection refused')) });
    lifecycle.markStarted();
    const readiness = await lifecycle.readiness();
    assert.equal(readiness.ok, true);
    assert.deepEqual(
      readiness.checks.map(({ name, ok, gatesReadiness, error }) => ({ name, ok, gatesReadiness, error })),
      [
        { name: 'database', ok: true, gatesReadiness: true, error: undefined },
        { name: 'broker', ok: false, gatesReadiness: false, error: 'connection refused' },
      ],
    );
  });

  it('rejects two checks with the same name', () => {
    const lifecycle = new Lifecycle({ checkTimeoutMs: 50 });
    lifecycle.registerCheck({ name: 'db', check: async () => {} });
    assert.throws(() => lifecycle.registerCheck({ name: 'db', check: async () => {} }), /already registered/);
  });

  it('is neither live nor ready after a fatal error', async () => {
    const lifecycle = new Lifecycle({ checkTimeoutMs: 50 });
    lifecycle.markStarted();
    lifecycle.markFatal(new TypeError('boom'));
    assert.deepEqual(lifecycle.liveness(), { ok: false, phase: 'started', reason: 'fatal error: TypeError: boom' });
    assert.equal((await lifecycle.readiness()).ok, false);
  });

  it('is not live while any registered stall detector reports a stall', () => {
    let consumerStall: string | undefined;
    const lifecycle = new Lifecycle({ checkTimeoutMs: 50, stallDetector: { stallReason: () => undefined } });
    lifecycle.registerStallDetector({ stallReason: () => consumerStall });
    assert.equal(lifecycle.liveness().ok, true);
    consumerStall = 'consumer stalled: 2 in flight and 5 waiting, nothing settled for 61000 ms';
    assert.deepEqual(lifecycle.liveness(), { ok: false, phase: 'starting', reason: consumerStall });
  });

  it('is not live while the stall detector reports a stall', () => {
    let stall: string | undefined = 'event loop stalled for 900 ms (threshold 500 ms)';
    const lifecycle = new Lifecycle({ checkTimeoutMs: 50, stallDetector: { stallReason: () => stall } });
    assert.equal(lifecycle.liveness().reason, stall);
    stall = undefined;
    assert.equal(lifecycle.liveness().ok, true);
  });

  it('closes resources newest first and keeps going after a failure', async () => {
    const lifecycle = new Lifecycle({ checkTimeoutMs: 50 });
    const closed: string[] = [];
    const failures: string[] = [];
    lifecycle.registerCloser({ name: 'first', close: async () => void closed.push('first') });
    lifecycle.registerCloser({ name: 'broken', close: async () => Promise.reject(new Error('nope')) });
    lifecycle.registerCloser({ name: 'last', close: async () => void closed.push('last') });
    await lifecycle.closeAll((name) => failures.push(name));
    assert.deepEqual(closed, ['last', 'first']);
    assert.deepEqual(failures, ['broken']);
  });
});
