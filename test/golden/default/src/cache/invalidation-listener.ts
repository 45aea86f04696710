/**
 * LISTENs on the change channel the 0005 migration's trigger notifies, on a connection of its
 * own (LISTEN holds a connection; the pool's clients come and go). PostgreSQL sends a NOTIFY only
 * when the writing transaction commits, so every replica hears about every committed write, from
 * any writer. A lost connection is re-opened with capped, jittered backoff; notifications sent
 * meanwhile are lost, so after every reconnect `onResync` runs (drop the cache). While
 * disconnected only the TTL bounds staleness; the gauge cache_invalidation_listener_connected says so.
 */
import pg from 'pg';
import { SERVICE_NAME } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { CacheMetrics } from './cache-metrics.ts';

export interface InvalidationListenerOptions {
  connectionString: string;
  connectTimeoutMs: number;
  /** A PostgreSQL identifier: lowercase letters, digits and '_'. */
  channel: string;
  logger: Logger;
  metrics: CacheMetrics;
  /** A changed id, or '*' when the whole table changed (TRUNCATE). */
  onChange(payload: string): Promise<void>;
  /** After a reconnect: notifications may have been missed. */
  onResync(): Promise<void>;
  /** Backoff between reconnect attempts: doubles from minMs up to maxMs, with full jitter. */
  backoff?: { minMs: number; maxMs: number };
}

export class InvalidationListener {
  readonly #options: InvalidationListenerOptions;
  readonly #backoff: { minMs: number; maxMs: number };
  #client: pg.Client | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #everConnected = false;

  constructor(options: InvalidationListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`invalid notification channel ${options.channel}`);
    this.#options = options;
    this.#backoff = options.backoff ?? { minMs: 100, maxMs: 5_000 };
  }

  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** Connects once; on failure it keeps retrying in the background and resolves anyway. */
  async start(): Promise<void> {
    await this.#connect();
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
      if (message.channel !== this.#options.channel || message.payload === undefined) return;
      this.#options.onChange(message.payload).catch((error: unknown) => {
        this.#options.logger.warn({ err: error }, 'cache invalidation failed');
      });
    });
    try {
      await client.connect();
      await client.query(`listen "${this.#options.channel}"`);
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      this.#options.logger.warn({ err: error, channel: this.#options.channel }, 'cache invalidation listener cannot connect; retrying (the TTL bounds staleness meanwhile)');
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
      this.#options.logger.info({ channel: this.#options.channel }, 'cache invalidation listener reconnected; dropping the cache (notifications may have been missed)');
      await this.#options.onResync().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'cache resync failed'));
    } else {
      this.#options.logger.info({ channel: this.#options.channel }, 'cache invalidation listener connected');
    }
    this.#everConnected = true;
  }

  #lost(client: pg.Client, error: Error | undefined): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = undefined;
    this.#everConnected = true;
    this.#options.metrics.listenerConnected.set(0);
    this.#options.logger.warn({ err: error, channel: this.#options.channel }, 'cache invalidation listener lost its connection; reconnecting (the TTL bounds staleness meanwhile)');
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
