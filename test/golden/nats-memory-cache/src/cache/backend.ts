/** Where cached entries live: this replica's memory (lru-cache) or Redis. */
import type { Config } from '../config.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { CacheBypass } from './bypass.ts';
import type { CacheCodec } from './cached-store.ts';

export interface CacheBackend<V> {
  /** The entry, or undefined on a miss. Throws (or rejects) when the backend is unavailable. */
  get(key: string): V | undefined | Promise<V | undefined>;
  set(key: string, value: V, ttlMs: number): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /** Drops every entry of this backend (after missed notifications, or a TRUNCATE). */
  clear(): void | Promise<void>;
}

/** What either kind's createCacheBackends (src/cache/backends.ts) needs. */
export interface CacheBackendOptions<ById, List> {
  config: Config['cache'];
  logger: Logger;
  lifecycle: Lifecycle;
  bypass: CacheBypass;
  /** Prefix of every key this service writes, e.g. `<service>:<resources>:v1:` (unused in memory). */
  namespace: string;
  codecs: { byId: CacheCodec<ById>; list: CacheCodec<List> };
}
