/**
 * Builds the read cache for orders and hooks it into the lifecycle: the backend
 * (Redis), the cached store, the invalidation listener and, with
 * CACHE_WARM_ON_START, the background build. The cache is never a readiness check: when it is
 * unavailable, reads go to the database and the service stays ready.
 */
import type { Config } from '../config.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import type { OrderStore } from '../orders/store.ts';
import { createCacheBackends } from './backends.ts';
import { CacheBypass } from './bypass.ts';
import { createCacheMetrics } from './cache-metrics.ts';
import { CacheWarmer } from './cache-warmer.ts';
import { CACHE_NAMESPACE, CHANGES_CHANNEL, CachedOrderStore, listCodec, orderCodec } from './cached-store.ts';
import { sharedInvalidationListener } from './invalidation-listener.ts';
import { ReadThroughCache } from './read-through-cache.ts';

export interface OrderCacheDependencies {
  config: Pick<Config, 'cache'>;
  /** The database the service uses (src/db/database.ts), which notifies changes. */
  database: { url: string; connectTimeoutMs: number };
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Metrics;
  store: OrderStore;
  /** Key prefix in a shared cache; tests use one of their own. */
  namespace?: string;
}

export interface OrderCache {
  store: CachedOrderStore;
  /** Starts listening for changes (and the background build); waits for the cache only briefly, never fails on it. */
  start(): Promise<void>;
}

/** Rows per database round trip of the background build. */
const WARM_CHUNK_SIZE = 500;

export function createOrderCache(deps: OrderCacheDependencies): OrderCache {
  const { config, logger, lifecycle } = deps;
  const metrics = createCacheMetrics(deps.metrics.registry);
  const bypass = new CacheBypass({ logger, metrics });
  const backends = createCacheBackends({
    config: config.cache,
    logger,
    lifecycle,
    bypass,
    namespace: deps.namespace ?? CACHE_NAMESPACE,
    codecs: { byId: orderCodec, list: listCodec },
  });
  const common = { metrics, bypass, ttlMs: config.cache.ttlMs, ttlJitterPercent: config.cache.ttlJitterPercent };
  const byId = new ReadThroughCache({ resource: 'order', entry: 'by_id', backend: backends.byId, ...common });
  const store = new CachedOrderStore(deps.store, { byId, lists: new ReadThroughCache({ resource: 'order', entry: 'list', backend: backends.lists, ...common }) });

  // On the embedded development database too: its server routes each NOTIFY to the connections
  // that LISTEN (src/db/embedded-server.ts).
  const listener = sharedInvalidationListener(lifecycle, {
    connectionString: deps.database.url,
    connectTimeoutMs: deps.database.connectTimeoutMs,
    logger,
    metrics,
  });
  listener.subscribe(CHANGES_CHANNEL, {
    onChange: (id) => store.changed(id, 'notification'),
    onResync: () => store.changed('*', 'resync'),
  });

  const warmer = config.cache.warmOnStart
    ? new CacheWarmer({
        cache: byId,
        page: (page) => deps.store.list(page),
        keyOf: (order) => order.id,
        chunkSize: WARM_CHUNK_SIZE,
        maxEntries: config.cache.maxEntries,
        intervalMs: config.cache.warmIntervalMs,
        jitterPercent: config.cache.ttlJitterPercent,
        logger,
        metrics,
      })
    : undefined;
  if (warmer) lifecycle.registerCloser({ name: 'cache warmer', close: () => warmer.stop() });

  return {
    store,
    async start() {
      await Promise.all([listener.start(), backends.connected()]);
      warmer?.start();
    },
  };
}
