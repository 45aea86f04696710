/**
 * LISTENs on the change channels of every cached resource (the example's, notified by the 0005
 * migration's trigger, and each added resource's), on one connection of its own per service
 * (LISTEN holds a connection; the pool's clients come and go): sharedInvalidationListener gives
 * every cache of a service the same listener, each subscribing its channel. PostgreSQL sends a NOTIFY only
 * when the writing transaction commits, so every replica hears about every committed write, from
 * any writer. A lost connection is re-opened with capped, jittered backoff; notifications sent
 * meanwhile are lost, so after every reconnect `onResync` runs (drop the cache). While
 * disconnected only the TTL bounds staleness; the gauge cache_invalidation_listener_connected says so.
 */
import pg from 'pg';
import { SERVICE_NAME } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { CacheMetrics } from './cache-metrics.ts';

export interface ChannelSubscription {
  /** A changed id, or '*' when the whole table changed (TRUNCATE). */
  onChange(payload: string): Promise<void>;
  /** After a reconnect: notifications may have been missed. */
  onResync(): Promise<void>;
}

export interface ListenerConnection {
  connectionString: string;
  connectTimeoutMs: number;
  logger: Logger;
  metrics: CacheMetrics;
  /** Backoff between reconnect attempts: doubles from minMs up to maxMs, with full jitter. */
  backoff?: { minMs: number; maxMs: number };
}

const listenersByLifecycle = new WeakMap<Lifecycle, InvalidationListener>();

/**
 * The service's one listener (per lifecycle): created, with its closer, by the first cache that
 * asks; every cache subscribes its own channel on it and awaits the same start.
 */
export function sharedInvalidationListener(lifecycle: Lifecycle, connection: ListenerConnection): InvalidationListener {
  let listener = listenersByLifecycle.get(lifecycle);
  if (listener === undefined) {
    const created = new InvalidationListener(connection);
    lifecycle.registerCloser({ name: 'cache invalidation listener', close: () => created.close() });
    listenersByLifecycle.set(lifecycle, created);
    listener = created;
  }
  return listener;
}

export class InvalidationListener {
  readonly #options: ListenerConnection;
  readonly #backoff: { minMs: number; maxMs: number };
  readonly #channels = new Map<string, ChannelSubscription>();
  #starting: Promise<void> | undefined;
  #client: pg.Client | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #everConnected = false;

  constructor(options: ListenerConnection) {
    this.#options = options;
    this.#backoff = options.backoff ?? { minMs: 100, maxMs: 5_000 };
  }

  /** Listens on `channel` too; on the live connection at once when it is already connected. */
  subscribe(channel: string, subscription: ChannelSubscription): void {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid notification channel ${channel}`);
    if (this.#channels.has(channel)) throw new Error(`notification channel ${channel} is subscribed twice`);
    this.#channels.set(channel, subscription);
    const client = this.#client;
    client?.query(`listen "${channel}"`).catch((error: unknown) => this.#lost(client, error as Error));
  }

  get #channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** Connects once (every subscriber awaits the same start); on failure it keeps retrying in the background and resolves anyway. */
  start(): Promise<void> {
    this.#starting ??= this.#connect();
    return this.#starting;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    this.#options.metrics.listenerConnected.set(0);
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      application_name: `${SERVICE_NAME} cache invalidation`,
      // Detects a half-open connection (a vanished database host) instead of waiting forever.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', (message) => {
      const subscription = this.#channels.get(message.channel);
      if (subscription === undefined || message.payload === undefined) return;
      subscription.onChange(message.payload).catch((error: unknown) => {
        this.#options.logger.warn({ err: error }, 'cache invalidation failed');
      });
    });
    try {
      await client.connect();
      for (const channel of this.#channelNames) await client.query(`listen "${channel}"`);
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      this.#options.logger.warn(
        { err: error, channels: this.#channelNames },
        'cache invalidation listener cannot connect; retrying (the TTL bounds staleness meanwhile)',
      );
      this.#scheduleReconnect();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#attempt = 0;
    this.#options.metrics.listenerConnected.set(1);
    if (this.#everConnected) {
      this.#options.logger.info({ channels: this.#channelNames }, 'cache invalidation listener reconnected; dropping the caches (notifications may have been missed)');
      await Promise.all(
        [...this.#channels.values()].map((subscription) =>
          subscription.onResync().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'cache resync failed')),
        ),
      );
    } else {
      this.#options.logger.info({ channels: this.#channelNames }, 'cache invalidation listener connected');
    }
    this.#everConnected = true;
  }

  #lost(client: pg.Client, error: Error | undefined): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    this.#everConnected = true;
    this.#options.metrics.listenerConnected.set(0);
    this.#options.logger.warn(
      { err: error, channels: this.#channelNames },
      'cache invalidation listener lost its connection; reconnecting (the TTL bounds staleness meanwhile)',
    );
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    // A failed first attempt also means notifications may be missed once connected.
    this.#everConnected = true;
    const ceiling = Math.min(this.#backoff.maxMs, this.#backoff.minMs * 2 ** this.#attempt);
    this.#attempt += 1;
    const delay = Math.round(this.#backoff.minMs / 2 + Math.random() * ceiling);
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref();
  }
}
