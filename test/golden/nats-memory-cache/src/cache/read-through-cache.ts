/**
 * Cache-aside reads with stampede protection. Concurrent reads of one key share one lookup and,
 * on a miss, one database load (single flight per replica). Entries expire after the TTL minus
 * up to CACHE_TTL_JITTER_PERCENT, so a replica's entries do not all expire at once and the TTL
 * stays the upper bound on staleness. When the backend fails, reads and writes go to the
 * database and the failure is reported through CacheBypass; nothing fails because of the cache.
 */
import type { CacheBackend } from './backend.ts';
import type { CacheBypass } from './bypass.ts';
import type { CacheEntry, CacheMetrics, InvalidationSource } from './cache-metrics.ts';
import { InvalidationLog } from './invalidation-log.ts';

export interface ReadThroughCacheOptions<V> {
  /** The cached resource (`item`, or one added with `microforge add resource`): the metrics' `resource` label. */
  resource: string;
  entry: CacheEntry;
  backend: CacheBackend<V>;
  metrics: CacheMetrics;
  bypass: CacheBypass;
  ttlMs: number;
  ttlJitterPercent: number;
}

type Outcome = 'hit' | 'miss' | 'bypass';

/** A time to live between ttlMs × (1 − jitterPercent/100) and ttlMs. */
export function ttlWithJitter(ttlMs: number, jitterPercent: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(ttlMs * (1 - (jitterPercent / 100) * random())));
}

export class ReadThroughCache<V> {
  readonly #options: ReadThroughCacheOptions<V>;
  readonly #inflight = new Map<string, Promise<{ value: V | undefined; outcome: Outcome }>>();
  readonly #log = new InvalidationLog();
  readonly #labels: { resource: string; entry: CacheEntry };

  constructor(options: ReadThroughCacheOptions<V>) {
    this.#options = options;
    this.#labels = { resource: options.resource, entry: options.entry };
  }

  /** The cached value, or the loaded one (cached unless undefined or invalidated meanwhile). */
  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    let flight = this.#inflight.get(key);
    if (flight === undefined) {
      const started = this.#lookup(key, load);
      flight = started;
      this.#inflight.set(key, started);
      const forget = () => {
        if (this.#inflight.get(key) === started) this.#inflight.delete(key);
      };
      started.then(forget, forget);
    }
    const { value, outcome } = await flight;
    if (outcome === 'hit') this.#options.metrics.hits.inc(this.#labels);
    else if (outcome === 'miss') this.#options.metrics.misses.inc(this.#labels);
    return value;
  }

  /** Drops `key`; a load of it already under way will not fill the cache. */
  async invalidate(key: string, source: InvalidationSource): Promise<void> {
    this.#log.mark(key);
    this.#inflight.delete(key);
    this.#options.metrics.invalidations.inc({ ...this.#labels, source });
    try {
      await this.#options.backend.delete(key);
    } catch (error) {
      this.#options.bypass.bypassed('delete', error);
    }
  }

  async invalidateAll(source: InvalidationSource): Promise<void> {
    this.#log.markAll();
    this.#inflight.clear();
    this.#options.metrics.invalidations.inc({ ...this.#labels, source });
    try {
      await this.#options.backend.clear();
    } catch (error) {
      this.#options.bypass.bypassed('clear', error);
    }
  }

  /** A point in time for fill(): take it before reading the database. */
  version(): number {
    return this.#log.now();
  }

  /** Puts a value read from the database since `version` (background build), unless it was invalidated since. */
  async fill(key: string, value: V, version: number): Promise<void> {
    if (this.#log.changedSince(key, version)) return;
    await this.#put(key, value);
  }

  async #lookup(key: string, load: () => Promise<V | undefined>): Promise<{ value: V | undefined; outcome: Outcome }> {
    let usable = true;
    try {
      const cached = await this.#options.backend.get(key);
      if (cached !== undefined) return { value: cached, outcome: 'hit' };
    } catch (error) {
      usable = false;
      this.#options.bypass.bypassed('get', error);
    }
    const since = this.#log.now();
    const endTimer = this.#options.metrics.loadDuration.startTimer(this.#labels);
    let value: V | undefined;
    try {
      value = await load();
    } finally {
      endTimer();
    }
    if (value !== undefined && usable && !this.#log.changedSince(key, since)) await this.#put(key, value);
    return { value, outcome: usable ? 'miss' : 'bypass' };
  }

  async #put(key: string, value: V): Promise<void> {
    try {
      await this.#options.backend.set(key, value, ttlWithJitter(this.#options.ttlMs, this.#options.ttlJitterPercent));
    } catch (error) {
      this.#options.bypass.bypassed('set', error);
    }
  }
}
