import { setting, type ServiceSetting, type SettingsContext } from '../lib/service-settings.js';

/** The read cache's settings: Redis's URL (with Redis) and the staleness bound, size and warm-up. */
export function cacheSettings(context: SettingsContext): ServiceSetting[] {
  if (!context.cacheAny) return [];
  return [
    ...(context.cacheRedis
      ? [
          setting({
            name: 'REDIS_URL',
            schema: { type: 'string', pattern: '^rediss?://', errorMessage: 'must be a redis:// or rediss:// URL' },
            secret: true,
            description: '`redis://` or `rediss://` URL of the cache; from a Secret',
            development: 'redis://127.0.0.1:6379',
            testValue: 'redis://:s3cret@redis.internal:6379',
          }),
        ]
      : []),
    setting({
      name: 'CACHE_TTL_MS',
      schema: { type: 'milliseconds', default: 30_000, minimum: 100, maximum: 86_400_000 },
      schemaComment: 'Upper bound on staleness when an invalidation is lost: entries live between TTL × (1 − jitter) and TTL.',
      secret: false,
      description: 'Longest a cached read may be stale when an invalidation is lost',
    }),
    setting({
      name: 'CACHE_TTL_JITTER_PERCENT',
      schema: { type: 'integer', default: 10, minimum: 0, maximum: 50 },
      secret: false,
      description: 'Entries expire up to this much earlier than the TTL, at random',
    }),
    setting({
      name: 'CACHE_MAX_ENTRIES',
      schema: { type: 'integer', default: 10_000, minimum: 1, maximum: 10_000_000 },
      schemaComment: `Entries one replica keeps in memory${context.cacheRedis ? ' (here: rows the background build puts)' : ''}.`,
      secret: false,
      description: context.cacheRedis ? 'Most rows the background build puts in Redis' : 'Most entries one replica keeps in memory (least recently used go first)',
    }),
    setting({
      name: 'CACHE_WARM_ON_START',
      schema: { type: 'boolean', default: false },
      schemaComment: 'Build the cache in the background after start-up, and rebuild it every CACHE_WARM_INTERVAL_MS.',
      secret: false,
      description: 'Build the cache in the background after start-up (readiness does not wait)',
    }),
    setting({
      name: 'CACHE_WARM_INTERVAL_MS',
      schema: { type: 'milliseconds', default: 300_000, minimum: 1000, maximum: 86_400_000 },
      secret: false,
      description: 'Rebuild interval of the background build (with jitter)',
    }),
  ];
}
