/**
 * Remembers which keys were invalidated since a point in time, so a database read that started
 * before a committed write never puts its (older) result into the cache after the write's
 * invalidation has already run. Bounded: past `capacity` keys it forgets them all and treats
 * every read that started earlier as invalidated, which only costs a cache fill.
 */
export class InvalidationLog {
  readonly #capacity: number;
  readonly #lastInvalidated = new Map<string, number>();
  #sequence = 0;
  #floor = 0;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** A point in time to pass to changedSince(). */
  now(): number {
    return this.#sequence;
  }

  mark(key: string): void {
    this.#sequence += 1;
    this.#lastInvalidated.delete(key);
    this.#lastInvalidated.set(key, this.#sequence);
    if (this.#lastInvalidated.size > this.#capacity) this.markAll();
  }

  markAll(): void {
    this.#sequence += 1;
    this.#lastInvalidated.clear();
    this.#floor = this.#sequence;
  }

  /** Whether `key` (or everything) was invalidated after `since`. */
  changedSince(key: string, since: number): boolean {
    return since < this.#floor || (this.#lastInvalidated.get(key) ?? 0) > since;
  }
}
