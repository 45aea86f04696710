/**
 * In-memory backends: an LRU per replica (lru-cache), bounded by CACHE_MAX_ENTRIES, entries
 * expiring after their TTL. Other replicas' writes arrive as invalidations through the
 * PostgreSQL listener; nothing here talks to the network, so it never fails or bypasses.
 */
import { LRUCache } from 'lru-cache';
import type { CacheBackend, CacheBackendOptions } from './backend.ts';

/** List pages are few (see LIST_CACHE_WINDOW); this bounds the distinct limit/offset pairs kept. */
const MAX_LIST_PAGES = 200;

export class MemoryBackend<V extends {}> implements CacheBackend<V> {
  readonly #entries: LRUCache<string, V>;

  constructor(options: { maxEntries: number; ttlMs: number }) {
    this.#entries = new LRUCache<string, V>({ max: options.maxEntries, ttl: options.ttlMs });
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  /**
   * Frozen, since every reader gets this same object: no reader can change what the others see,
   * and src/resources/json-view.ts may keep its JSON with it.
   */
  set(key: string, value: V, ttlMs: number): void {
    Object.freeze(value);
    this.#entries.set(key, value, { ttl: ttlMs });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

export interface MemoryCacheBackends<ById extends {}, List extends {}> {
  byId: MemoryBackend<ById>;
  lists: MemoryBackend<List>;
  /** Memory is there from the start; the same shape as the Redis backends'. */
  connected(): Promise<void>;
}

export function createCacheBackends<ById extends {}, List extends {}>(options: CacheBackendOptions<ById, List>): MemoryCacheBackends<ById, List> {
  const { maxEntries, ttlMs } = options.config;
  return {
    byId: new MemoryBackend<ById>({ maxEntries, ttlMs }),
    lists: new MemoryBackend<List>({ maxEntries: Math.min(maxEntries, MAX_LIST_PAGES), ttlMs }),
    connected: async () => undefined,
  };
}
