import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisConnectionOptions } from '../../src/cache/backends.ts';

describe('REDIS_URL', () => {
  it('becomes host, port, credentials and database', () => {
    assert.deepEqual(redisConnectionOptions('redis://svc:p%40ss@cache.internal:6380/2'), {
      host: 'cache.internal',
      port: 6380,
      username: 'svc',
      password: 'p@ss',
      db: 2,
    });
  });

  it('defaults the port and database, and turns on TLS for rediss://', () => {
    assert.deepEqual(redisConnectionOptions('rediss://cache.internal'), { host: 'cache.internal', port: 6379, db: 0, tls: { servername: 'cache.internal' } });
    assert.equal(redisConnectionOptions('redis://[::1]:6379').host, '::1');
  });
});
