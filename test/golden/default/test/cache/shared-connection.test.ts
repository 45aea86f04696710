/**
 * Every cached resource of a service shares one Redis connection: createCacheBackends opens one
 * client per lifecycle (one per service), registers one closer for it, and a second service (a
 * second lifecycle) gets a client of its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createCacheBackends } from '../../src/cache/backends.ts';
import { CacheBypass } from '../../src/cache/bypass.ts';
import { createCacheMetrics } from '../../src/cache/cache-metrics.ts';
import type { Config } from '../../src/config.ts';
import type { Lifecycle } from '../../src/lifecycle.ts';
import { silentLogger, startedLifecycle } from '../helpers.ts';

const codec = { encode: (value: string) => value, decode: (text: string) => text };

/** A lifecycle that also remembers its closers, so the test can count and run them. */
function recordingLifecycle(): { lifecycle: Lifecycle; closers: Array<{ name: string; close(): Promise<void> }> } {
  const lifecycle = startedLifecycle();
  const closers: Array<{ name: string; close(): Promise<void> }> = [];
  const register = lifecycle.registerCloser.bind(lifecycle);
  lifecycle.registerCloser = (closer) => {
    closers.push(closer);
    register(closer);
  };
  return { lifecycle, closers };
}

describe('the Redis connection of the read caches', () => {
  it('is one per service, however many resources are cached', async () => {
    // Nothing needs to answer: the client connects lazily and the test only counts connections.
    const config = { redisUrl: 'redis://127.0.0.1:1' } as Config['cache'];
    const metrics = createCacheMetrics(new Registry());
    const bypass = new CacheBypass({ logger: silentLogger, metrics });
    const backendsOf = (lifecycle: Lifecycle, namespace: string) =>
      createCacheBackends({ config, logger: silentLogger, lifecycle, bypass, namespace, codecs: { byId: codec, list: codec } });
    const first = recordingLifecycle();
    for (const namespace of ['svc:items:v1:', 'svc:orders:v1:', 'svc:order-lines:v1:']) backendsOf(first.lifecycle, namespace);
    const second = recordingLifecycle();
    backendsOf(second.lifecycle, 'svc:items:v1:');
    try {
      assert.deepEqual(
        first.closers.map((closer) => closer.name),
        ['redis'],
      );
      assert.deepEqual(
        second.closers.map((closer) => closer.name),
        ['redis'],
      );
    } finally {
      await Promise.all([...first.closers, ...second.closers].map((closer) => closer.close()));
    }
  });
});
