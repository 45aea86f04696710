/**
 * Purges orders deleted more than `retentionHours` ago: after that, a tombstone is
 * gone for good (a GDPR-style erasure is final only then; see docs/adr/0005-soft-delete-and-retention.md).
 * It runs in every replica: each batch is one short statement that claims its rows with
 * FOR UPDATE SKIP LOCKED, so replicas purging at once share the work instead of waiting on each
 * other, and the interval is jittered so they rarely start together.
 */
import type pg from 'pg';
import type { Logger } from '../logger.ts';

export interface TombstonePurgerOptions {
  pool: pg.Pool;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  retentionHours: number;
  purgeIntervalMs: number;
  /** Rows per statement: small enough to keep each transaction and its locks short. */
  batchSize?: number;
  /** Batches per run at most, so one run cannot hog a connection; the next run goes on. */
  maxBatchesPerRun?: number;
}

/** Tables with soft delete: the example's and those added with `microforge add resource`. */
const TABLES = ['"orders"'];
const JITTER = 0.2;

export class TombstonePurger {
  readonly #options: Required<TombstonePurgerOptions>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(options: TombstonePurgerOptions) {
    this.#options = { batchSize: 500, maxBatchesPerRun: 100, ...options };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Deletes expired tombstones, batch by batch; returns how many rows it removed. */
  async purgeExpired(): Promise<number> {
    const { pool, retentionHours, batchSize, maxBatchesPerRun } = this.#options;
    let purged = 0;
    for (const table of TABLES) {
      for (let batch = 0; batch < maxBatchesPerRun; batch += 1) {
        const { rowCount } = await pool.query(
          `delete from ${table}
            where id in (select id from ${table}
                          where deleted_at < now() - make_interval(hours => $1)
                          order by deleted_at
                          limit $2
                          for update skip locked)`,
          [retentionHours, batchSize],
        );
        purged += rowCount ?? 0;
        if ((rowCount ?? 0) < batchSize) break;
      }
    }
    return purged;
  }

  #schedule(): void {
    const delayMs = this.#options.purgeIntervalMs * (1 - JITTER + 2 * JITTER * Math.random());
    this.#timer = setTimeout(() => {
      const startedAt = performance.now();
      this.#running = this.purgeExpired()
        .then((purged) => {
          const durationMs = Math.round(performance.now() - startedAt);
          if (purged > 0) this.#options.logger.info({ purged, durationMs, retentionHours: this.#options.retentionHours }, 'tombstones purged');
          else this.#options.logger.debug({ durationMs }, 'no tombstones to purge');
        })
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'purging tombstones failed; will retry'))
        .finally(() => {
          this.#running = undefined;
          if (!this.#stopped) this.#schedule();
        });
    }, delayMs);
    this.#timer.unref();
  }
}
