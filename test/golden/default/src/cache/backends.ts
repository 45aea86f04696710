/**
 * Redis backends (ioredis) on one shared connection: one key per cached resource and one hash holding the cached list pages,
 * so a change drops them all with a single DEL. Entries are shared by every replica; each
 * replica still deletes on every change notification (idempotent), which also removes a value
 * another replica put just before it heard of the change.
 *
 * Redis is an optimisation, never a dependency: commands fail at once while it is unreachable
 * (no offline queue) and give up after COMMAND_TIMEOUT_MS when it hangs; the caller then reads
 * the database (see CacheBypass in ./bypass.ts). ioredis reconnects on its own; deletes that
 * failed meanwhile may have left stale entries, so the first reconnect after one drops this namespace.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { SERVICE_NAME } from '../config.ts';
import { unreachableWarning, type Logger } from '../logger.ts';
import type { CacheBackend, CacheBackendOptions } from './backend.ts';
import type { CacheCodec } from './cached-store.ts';

/** Longest a Redis command may take before the read goes to the database instead. */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect backoff: doubles from 50 ms, capped at 2 s, with jitter. */
const reconnectDelay = (attempt: number): number => Math.min(2_000, 50 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);

/**
 * REDIS_URL as connection options, parsed with the WHATWG URL API. Given the URL string, ioredis
 * parses it with the legacy url.parse(), which Node 24 reports as deprecated (DEP0169) on stderr
 * once the code is bundled and no longer runs from node_modules.
 */
export function redisConnectionOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    db: Number.isInteger(db) ? db : 0,
    ...(parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
  };
}

export function createRedisClient(url: string, logger: Logger): Redis {
  const client = new Redis({
    ...redisConnectionOptions(url),
    connectionName: SERVICE_NAME,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    // enableAutoPipelining stays off (ioredis' default): it defers each command to a setImmediate
    // and a pipeline object, which cost more CPU than the writes it saves. Cached GETs under wrk,
    // one core: 22,000 req/s without it against 18,000 with it (200 keys), 33,000 against 23,000 (one).
  });
  let reported = false;
  // Unhandled, an 'error' event would crash the process; one line per outage is enough.
  client.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    const [fields, message] = unreachableWarning('Redis', url, error, 'redis');
    logger.warn(fields, `${message}; until then every read goes to the database`);
  });
  client.on('ready', () => {
    reported = false;
  });
  return client;
}

/** Deletes through this backend that failed since Redis was last reachable. */
abstract class RedisBackend<V> implements CacheBackend<V> {
  protected readonly client: Redis;
  protected readonly codec: CacheCodec<V>;
  #deletesLost = false;

  constructor(client: Redis, codec: CacheCodec<V>) {
    this.client = client;
    this.codec = codec;
  }

  abstract get(key: string): Promise<V | undefined>;
  abstract set(key: string, value: V, ttlMs: number): Promise<void>;
  protected abstract deleteEntry(key: string): Promise<void>;
  abstract clear(): Promise<void>;

  async delete(key: string): Promise<void> {
    try {
      await this.deleteEntry(key);
    } catch (error) {
      this.#deletesLost = true;
      throw error;
    }
  }

  /** After a reconnect: drop everything if a delete was lost while Redis was unreachable. */
  async recoverLostDeletes(): Promise<void> {
    if (!this.#deletesLost) return;
    await this.clear();
    this.#deletesLost = false;
  }
}

/** One string key per entry, `<namespace><key>`, expiring with PX. */
export class RedisKeyBackend<V> extends RedisBackend<V> {
  readonly #prefix: string;

  constructor(client: Redis, prefix: string, codec: CacheCodec<V>) {
    super(client, codec);
    this.#prefix = prefix;
  }

  async get(key: string): Promise<V | undefined> {
    const text = await this.client.get(this.#prefix + key);
    return text === null ? undefined : this.codec.decode(text);
  }

  async set(key: string, value: V, ttlMs: number): Promise<void> {
    await this.client.set(this.#prefix + key, this.codec.encode(value), 'PX', ttlMs);
  }

  protected async deleteEntry(key: string): Promise<void> {
    await this.client.del(this.#prefix + key);
  }

  /** SCAN + UNLINK of the prefix, in batches: never blocks Redis like KEYS would. */
  async clear(): Promise<void> {
    let cursor = '0';
    const pattern = `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await this.client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}

/**
 * All entries as fields of one hash, dropped together. The hash's TTL is set only when it is
 * created (PEXPIRE NX), so no entry outlives the TTL however often others are added.
 */
export class RedisHashBackend<V> extends RedisBackend<V> {
  readonly #key: string;

  constructor(client: Redis, key: string, codec: CacheCodec<V>) {
    super(client, codec);
    this.#key = key;
  }

  async get(field: string): Promise<V | undefined> {
    const text = await this.client.hget(this.#key, field);
    return text === null ? undefined : this.codec.decode(text);
  }

  async set(field: string, value: V, ttlMs: number): Promise<void> {
    await this.client.multi().hset(this.#key, field, this.codec.encode(value)).pexpire(this.#key, ttlMs, 'NX').exec();
  }

  protected async deleteEntry(field: string): Promise<void> {
    await this.client.hdel(this.#key, field);
  }

  async clear(): Promise<void> {
    await this.client.del(this.#key);
  }
}

export interface RedisCacheBackends<ById, List> {
  byId: RedisKeyBackend<ById>;
  lists: RedisHashBackend<List>;
  /**
   * Resolves once Redis is connected, or after CONNECT_TIMEOUT_MS without it: start-up gives Redis
   * a moment so the first requests do not all bypass it, but never waits on it (not a dependency).
   */
  connected(): Promise<void>;
}

/**
 * One Redis connection per service (per lifecycle), however many resources are cached: each
 * resource's backends use it under their own namespace, so ten cached resources are one client
 * connection on Redis, not ten, and the service closes it once.
 */
const clientsByLifecycle = new WeakMap<CacheBackendOptions<unknown, unknown>['lifecycle'], Redis>();

function sharedRedisClient(options: Pick<CacheBackendOptions<unknown, unknown>, 'lifecycle' | 'config' | 'logger'>): Redis {
  let client = clientsByLifecycle.get(options.lifecycle);
  if (client === undefined) {
    const created = createRedisClient(options.config.redisUrl, options.logger);
    // Each cached resource listens for 'ready' (recovery of its lost deletes).
    created.setMaxListeners(0);
    options.lifecycle.registerCloser({
      name: 'redis',
      close: async () => {
        await created.quit().catch(() => created.disconnect());
      },
    });
    clientsByLifecycle.set(options.lifecycle, created);
    client = created;
  }
  return client;
}

export function createCacheBackends<ById, List>(options: CacheBackendOptions<ById, List>): RedisCacheBackends<ById, List> {
  const client = sharedRedisClient(options);
  const byId = new RedisKeyBackend(client, `${options.namespace}id:`, options.codecs.byId);
  const lists = new RedisHashBackend(client, `${options.namespace}lists`, options.codecs.list);
  client.on('ready', () => {
    options.bypass.recovered();
    Promise.all([byId.recoverLostDeletes(), lists.recoverLostDeletes()]).catch((error: unknown) => options.bypass.bypassed('clear', error));
  });
  const connected = async (): Promise<void> => {
    if (client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, CONNECT_TIMEOUT_MS);
      client.once('ready', done);
    });
  };
  return { byId, lists, connected };
}
