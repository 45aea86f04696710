/** Where cached entries live: this replica's memory (lru-cache) or Redis. */
export interface CacheBackend<V> {
  /** The entry, or undefined on a miss. Throws (or rejects) when the backend is unavailable. */
  get(key: string): V | undefined | Promise<V | undefined>;
  set(key: string, value: V, ttlMs: number): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Drops every entry of this backend (after missed notifications, or a TRUNCATE). */
  clear(): void | Promise<void>;
}
