/** The cache's settings: defaults, bounds and REDIS_URL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

const required = {
  DATABASE_URL: 'postgres://app:s3cret@db.internal:5432/orders',
  REDIS_URL: 'redis://:s3cret@redis.internal:6379/0',
  AMQP_URL: 'amqp://rabbitmq.internal',
};

function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  return assert.fail('expected a ConfigError');
}

describe('cache configuration', () => {
  it('has defaults for everything but the connection', () => {
    assert.deepEqual(loadConfig(required).cache, {
      redisUrl: required.REDIS_URL,
      ttlMs: 30_000,
      ttlJitterPercent: 10,
      maxEntries: 10_000,
      warmOnStart: false,
      warmIntervalMs: 300_000,
    });
  });

  it('rejects values out of bounds with one line naming the setting', () => {
    assert.match(errorOf({ ...required, CACHE_TTL_MS: '0' }), /^CACHE_TTL_MS must be an integer number of milliseconds/);
    assert.match(errorOf({ ...required, CACHE_TTL_JITTER_PERCENT: '80' }), /^CACHE_TTL_JITTER_PERCENT must be an integer between 0 and 50$/);
    assert.match(errorOf({ ...required, CACHE_MAX_ENTRIES: 'many' }), /^CACHE_MAX_ENTRIES must be an integer/);
    assert.match(errorOf({ ...required, CACHE_WARM_ON_START: 'yes' }), /^CACHE_WARM_ON_START must be true or false$/);
  });

  it('requires a redis:// or rediss:// REDIS_URL naming a host, and never prints it', () => {
    const { REDIS_URL: _url, ...withoutRedis } = required;
    assert.match(errorOf(withoutRedis), /^REDIS_URL is required/);
    assert.equal(errorOf({ ...required, REDIS_URL: 'http://:s3cret@redis.internal' }), 'REDIS_URL must be a redis:// or rediss:// URL');
    assert.equal(errorOf({ ...required, REDIS_URL: 'redis://' }), 'REDIS_URL must name a Redis host');
    assert.equal(loadConfig({ ...required, REDIS_URL: 'rediss://redis.internal:6380' }).cache.redisUrl, 'rediss://redis.internal:6380');
  });
});
