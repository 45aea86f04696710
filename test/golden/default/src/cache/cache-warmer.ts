/**
 * Background build (CACHE_WARM_ON_START): after start-up, reads the table page by page and puts
 * every row in the cache, yielding to the event loop between pages so requests keep being served;
 * then rebuilds on a jittered interval, which also refreshes entries before they expire when the
 * interval is below the TTL. Readiness never waits for it: the cache is not the source of truth,
 * so a replica with a cold cache answers correctly, only slower, and the startup probe's budget
 * does not have to grow with the table. Values read before an invalidation are not put (see
 * ReadThroughCache.fill), so a build never resurrects an older version.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import type { CacheMetrics } from './cache-metrics.ts';
import { ttlWithJitter, type ReadThroughCache } from './read-through-cache.ts';

export interface CacheWarmerOptions<V> {
  cache: ReadThroughCache<V>;
  /** One page of the table, in a stable order. */
  page(page: { limit: number; offset: number }): Promise<{ items: V[]; hasMore: boolean }>;
  keyOf(value: V): string;
  /** Rows per page (and per database round trip). */
  chunkSize: number;
  /** Stop after this many rows (the cache's capacity). */
  maxEntries: number;
  intervalMs: number;
  jitterPercent: number;
  logger: Logger;
  metrics: CacheMetrics;
}

export class CacheWarmer<V> {
  readonly #options: CacheWarmerOptions<V>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(options: CacheWarmerOptions<V>) {
    this.#options = options;
  }

  /** Starts the first build on the next turn of the event loop; never blocks start-up. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops scheduling and waits for a build under way to finish its current page. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One full build; resolves with the number of rows put. Exposed for tests. */
  async build(): Promise<number> {
    const { cache, chunkSize, maxEntries } = this.#options;
    const endTimer = this.#options.metrics.warmDuration.startTimer();
    let offset = 0;
    while (!this.#stopped && offset < maxEntries) {
      const version = cache.version();
      const { items, hasMore } = await this.#options.page({ limit: Math.min(chunkSize, maxEntries - offset), offset });
      await Promise.all(items.map((item) => cache.fill(this.#options.keyOf(item), item, version)));
      offset += items.length;
      if (!hasMore || items.length === 0) break;
      await yieldToEventLoop();
    }
    endTimer();
    return offset;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
        this.#schedule(ttlWithJitter(this.#options.intervalMs, this.#options.jitterPercent));
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    const started = Date.now();
    try {
      const rows = await this.build();
      this.#options.logger.info({ rows, durationMs: Date.now() - started }, 'cache built in the background');
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'background cache build failed; it is retried at the next interval');
    }
  }
}
