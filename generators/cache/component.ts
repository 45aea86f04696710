import type { Component } from '../lib/component.js';
import { secretEnv } from '../lib/backing-service.js';
import { pinned, SERVICE_IMAGES } from '../lib/service-versions.js';
import { cacheAllowedWith } from '../lib/spec.js';
import { cacheSettings } from './settings.js';

/**
 * A read cache in front of the PostgreSQL store: cache-aside reads with single-flight loads, a
 * TTL with jitter as the staleness bound, and invalidation after every committed write, carried
 * to every replica by a PostgreSQL trigger's NOTIFY. What does not depend on where entries live
 * is in cache/common; the in-memory (lru-cache) and Redis (ioredis) backends in cache/<kind>.
 */
export const component: Component = {
  id: 'cache',
  includedIn: (spec) => spec.cache !== 'none' && cacheAllowedWith(spec.storage),
  templateDirs: (spec) => ['cache/common', `cache/${spec.cache}`],
  packageJson: (context) => ({ dependencies: context.cacheRedis ? pinned('ioredis', '@opentelemetry/instrumentation-ioredis') : pinned('lru-cache') }),
  // Decision records are the team's once written: upgrades refresh them only while unedited.
  userOwnedPaths: () => ['docs/adr/'],
  settings: cacheSettings,
  backingServices: (context) =>
    context.cacheRedis
      ? [
          {
            composeService: 'redis',
            title: 'Redis',
            runYourOwn: 'a Redis 7',
            port: 6379,
            tlsPort: 6380,
            egressComment: ['Redis (the read cache): 6379 for redis://, 6380 for rediss:// (TLS). Keep only the one REDIS_URL', 'uses, and narrow the destination once you know where it runs (see the PostgreSQL rule).'],
            neededOnHost: true,
            compose: {
              environment: ['REDIS_URL: "redis://redis:6379"'],
              definition: `  # The read cache: nothing to keep, so no volume and no persistence.
  redis:
    image: "${SERVICE_IMAGES.redis}"
    command: ["redis-server", "--save", "", "--appendonly", "no"]
    ports:
      - "127.0.0.1:6379:6379"
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 5s
      timeout: 3s
      retries: 10
      start_period: 5s`,
              volume: '',
            },
            ci: {
              urlSetting: 'REDIS_URL',
              url: 'redis://localhost:6379',
              serviceContainer: `      redis:
        image: ${SERVICE_IMAGES.redis}
        ports:
          - "6379:6379"
        options: >-
          --health-cmd "redis-cli ping"
          --health-interval 5s
          --health-timeout 3s
          --health-retries 20`,
              startStep: '',
            },
          },
        ]
      : [],
  deploymentEnv: (context) =>
    context.cacheRedis ? [secretEnv('REDIS_URL', 'The Secret is not part of these manifests; see README "Cache secret".', { name: `${context.name}-cache`, key: 'url' })] : [],
  addable: {
    choices: ['cache'],
    presentIn: (spec) => spec.cache !== 'none',
    whenAdded: { cache: 'redis' },
  },
};
