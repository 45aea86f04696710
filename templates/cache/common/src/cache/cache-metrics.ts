/** Prometheus metrics of the read cache, on the service's own registry (served at /metrics). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Which kind of entry: one resource by id, or one small page of the list. */
export type CacheEntry = 'by_id' | 'list';
/** What dropped an entry: the writer after its own commit, another writer's NOTIFY, or a resync after missed notifications. */
export type InvalidationSource = 'writer' | 'notification' | 'resync';

export interface CacheMetrics {
  hits: Counter<'resource' | 'entry'>;
  misses: Counter<'resource' | 'entry'>;
  invalidations: Counter<'resource' | 'entry' | 'source'>;
  loadDuration: Histogram<'resource' | 'entry'>;
  bypassed: Counter<'operation'>;
  listenerConnected: Gauge;
  warmDuration: Histogram;
}

/**
 * One set per registry (a registry refuses a name twice): every cached resource shares the metric
 * names, each with series of its own under the `resource` label.
 */
const metricsByRegistry = new WeakMap<Registry, CacheMetrics>();

export function createCacheMetrics(registry: Registry): CacheMetrics {
  let metrics = metricsByRegistry.get(registry);
  if (!metrics) {
    metrics = registeredCacheMetrics(registry);
    metricsByRegistry.set(registry, metrics);
  }
  return metrics;
}

function registeredCacheMetrics(registry: Registry): CacheMetrics {
  const registers = [registry];
  return {
    hits: new Counter({ name: 'cache_hits_total', help: 'Reads answered from the cache', labelNames: ['resource', 'entry'] as const, registers }),
    misses: new Counter({
      name: 'cache_misses_total',
      help: 'Reads the cache did not hold, answered from the database',
      labelNames: ['resource', 'entry'] as const,
      registers,
    }),
    invalidations: new Counter({
      name: 'cache_invalidations_total',
      help: 'Entries dropped after a committed write, by what reported the write',
      labelNames: ['resource', 'entry', 'source'] as const,
      registers,
    }),
    loadDuration: new Histogram({
      name: 'cache_load_duration_seconds',
      help: 'Database loads behind cache misses (concurrent misses of one key share one load)',
      labelNames: ['resource', 'entry'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    bypassed: new Counter({
      name: 'cache_bypassed_total',
      help: 'Cache operations skipped because the cache was unavailable; reads then go to the database',
      labelNames: ['operation'] as const,
      registers,
    }),
    listenerConnected: new Gauge({
      name: 'cache_invalidation_listener_connected',
      help: '1 while this replica listens for change notifications; 0 means only the TTL bounds staleness',
      registers,
    }),
    warmDuration: new Histogram({
      name: 'cache_warm_duration_seconds',
      help: 'Background builds of the cache (CACHE_WARM_ON_START)',
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}
