/** The cache-aside core on its own, with in-process backends: single flight, invalidation races, bypass. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { CacheBackend } from '../../src/cache/backend.ts';
import { CacheBypass } from '../../src/cache/bypass.ts';
import { createCacheMetrics, type CacheMetrics } from '../../src/cache/cache-metrics.ts';
import { ReadThroughCache, ttlWithJitter } from '../../src/cache/read-through-cache.ts';
import { silentLogger } from '../helpers.ts';

class MapBackend<V> implements CacheBackend<V> {
  readonly entries = new Map<string, { value: V; ttlMs: number }>();
  async get(key: string) {
    return this.entries.get(key)?.value;
  }
  async set(key: string, value: V, ttlMs: number) {
    this.entries.set(key, { value, ttlMs });
  }
  async delete(key: string) {
    this.entries.delete(key);
  }
  async clear() {
    this.entries.clear();
  }
}

class BrokenBackend implements CacheBackend<string> {
  get(): never {
    throw new Error('connection refused');
  }
  async set() {
    throw new Error('connection refused');
  }
  async delete() {
    throw new Error('connection refused');
  }
  async clear() {
    throw new Error('connection refused');
  }
}

function cacheWith<V>(backend: CacheBackend<V>, ttlMs = 10_000) {
  const metrics = createCacheMetrics(new Registry());
  const cache = new ReadThroughCache<V>({
    resource: 'item',
    entry: 'by_id',
    backend,
    metrics,
    bypass: new CacheBypass({ logger: silentLogger, metrics }),
    ttlMs,
    ttlJitterPercent: 10,
  });
  return { cache, metrics };
}

async function count(metrics: CacheMetrics, name: 'hits' | 'misses' | 'bypassed'): Promise<number> {
  const { values } = await metrics[name].get();
  return values.reduce((sum, value) => sum + value.value, 0);
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('ReadThroughCache', () => {
  it('counts each cached resource under its own resource label, on one set of metrics', async () => {
    const metrics = createCacheMetrics(new Registry());
    const bypass = new CacheBypass({ logger: silentLogger, metrics });
    const of = (resource: string) =>
      new ReadThroughCache<string>({ resource, entry: 'by_id', backend: new MapBackend<string>(), metrics, bypass, ttlMs: 10_000, ttlJitterPercent: 10 });
    const [items, orders] = [of('item'), of('order')];
    await items.get('k', async () => 'v');
    await items.get('k', async () => 'v');
    await orders.get('k', async () => 'v');
    const series = async (name: 'hits' | 'misses') =>
      Object.fromEntries((await metrics[name].get()).values.map((value) => [`${String(value.labels['resource'])} ${String(value.labels['entry'])}`, value.value]));
    assert.deepEqual(await series('misses'), { 'item by_id': 1, 'order by_id': 1 });
    assert.deepEqual(await series('hits'), { 'item by_id': 1 });
  });

  it('answers 200 concurrent reads of a cold key with one load, then from the cache', async () => {
    const backend = new MapBackend<string>();
    const { cache, metrics } = cacheWith(backend);
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return 'value';
    };
    const values = await Promise.all(Array.from({ length: 200 }, () => cache.get('k', load)));
    assert.equal(loads, 1);
    assert.ok(values.every((value) => value === 'value'));
    assert.equal(await count(metrics, 'misses'), 200);
    assert.equal(await cache.get('k', load), 'value');
    assert.equal(loads, 1);
    assert.equal(await count(metrics, 'hits'), 1);
    const ttl = backend.entries.get('k')?.ttlMs ?? 0;
    assert.ok(ttl <= 10_000 && ttl >= 9_000, `TTL ${ttl} within [TTL - 10 %, TTL]`);
  });

  it('never caches a value loaded before an invalidation, and later readers load again', async () => {
    const backend = new MapBackend<string>();
    const { cache } = cacheWith(backend);
    const gate = deferred<string>();
    const early = cache.get('k', () => gate.promise);
    await new Promise((resolve) => setImmediate(resolve));
    await cache.invalidate('k', 'writer');
    const late = cache.get('k', async () => 'new');
    gate.resolve('old');
    assert.equal(await early, 'old', 'a read that began before the write may see the old value');
    assert.equal(await late, 'new', 'a read that began after the invalidation does not join the older load');
    assert.equal(backend.entries.get('k')?.value, 'new');
  });

  it('does not cache what the store does not have', async () => {
    const backend = new MapBackend<string>();
    const { cache } = cacheWith(backend);
    assert.equal(await cache.get('missing', async () => undefined), undefined);
    assert.equal(backend.entries.size, 0);
  });

  it('fill() refuses values read before an invalidation of their key, or of everything', async () => {
    const backend = new MapBackend<string>();
    const { cache } = cacheWith(backend);
    const before = cache.version();
    await cache.invalidate('a', 'notification');
    await cache.fill('a', 'stale', before);
    await cache.fill('b', 'fresh', before);
    assert.deepEqual([...backend.entries.keys()], ['b']);
    const beforeAll = cache.version();
    await cache.invalidateAll('resync');
    await cache.fill('c', 'stale', beforeAll);
    assert.equal(backend.entries.size, 0);
  });

  it('serves from the loader and counts bypasses when the backend fails, without failing a read', async () => {
    const { cache, metrics } = cacheWith<string>(new BrokenBackend());
    assert.equal(await cache.get('k', async () => 'from the database'), 'from the database');
    await cache.invalidate('k', 'writer');
    assert.equal(await count(metrics, 'bypassed'), 2, 'the get and the delete bypassed (nothing is put after a failed get)');
    assert.equal(await count(metrics, 'hits'), 0);
    assert.equal(await count(metrics, 'misses'), 0, 'a bypass is not a miss');
  });

  it('keeps the jittered TTL between TTL × (1 − jitter) and TTL', () => {
    assert.equal(
      ttlWithJitter(1000, 10, () => 0),
      1000,
    );
    assert.equal(
      ttlWithJitter(1000, 10, () => 1),
      900,
    );
    assert.equal(
      ttlWithJitter(1000, 0, () => 0.7),
      1000,
    );
  });
});
