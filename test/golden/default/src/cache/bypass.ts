/**
 * Reports that the cache is being bypassed (reads go straight to the database) without flooding
 * the log: the first failure is logged at once, later ones are summed into one line per
 * interval, and the recovery gets a line of its own. Every bypass is counted in the metric.
 */
import type { Logger } from '../logger.ts';
import type { CacheMetrics } from './cache-metrics.ts';

export class CacheBypass {
  readonly #logger: Logger;
  readonly #metrics: CacheMetrics;
  readonly #intervalMs: number;
  #lastLoggedAt = -Infinity;
  #unlogged = 0;
  #bypassing = false;

  constructor(options: { logger: Logger; metrics: CacheMetrics; logIntervalMs?: number }) {
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#intervalMs = options.logIntervalMs ?? 10_000;
  }

  /** Whether the last cache operation failed and no recovery has been seen since. */
  get bypassing(): boolean {
    return this.#bypassing;
  }

  bypassed(operation: 'get' | 'set' | 'delete' | 'clear', error: unknown): void {
    this.#metrics.bypassed.inc({ operation });
    this.#bypassing = true;
    this.#unlogged += 1;
    const now = Date.now();
    if (now - this.#lastLoggedAt < this.#intervalMs) return;
    this.#logger.warn(
      { err: error, bypassedOperations: this.#unlogged },
      'cache unavailable: bypassing it, reads go to the database (the cache is never the source of truth)',
    );
    this.#lastLoggedAt = now;
    this.#unlogged = 0;
  }

  /** The cache answers again (e.g. Redis reconnected). */
  recovered(): void {
    if (!this.#bypassing) return;
    this.#bypassing = false;
    this.#logger.info({ bypassedOperations: this.#unlogged }, 'cache available again');
    this.#unlogged = 0;
    this.#lastLoggedAt = -Infinity;
  }
}
