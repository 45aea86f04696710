/**
 * The order store with a read cache in front: a decorator of the store in
 * src/orders/store.ts, which stays unaware of it. Reads by id, and list pages within
 * the first LIST_CACHE_WINDOW rows, are cache-aside; everything else goes to the store. After
 * every write it drops the entries it touched (it never writes the new value into the cache, so
 * a reader always loads what the database committed): right away on this replica, for
 * read-your-writes, and on every replica when the table's trigger NOTIFY arrives (see
 * src/cache/invalidation-listener.ts), which also covers writers that bypass this store.
 */
import type { OrderInput } from '../orders/schemas.ts';
import type { DeleteResult, ListResult, Order, OrderStore, UpdateResult } from '../orders/store.ts';
import type { InvalidationSource } from './cache-metrics.ts';
import type { ReadThroughCache } from './read-through-cache.ts';

/** List pages ending within the first 100 rows are cached; deeper pages are rare and go to the database. */
export const LIST_CACHE_WINDOW = 100;

/** The channel the 0005 migration's trigger notifies with the changed id ('*': all). */
export const CHANGES_CHANNEL = 'orders_changes';

/** Keys in a shared cache: service, resource and a version to bump when the cached shape changes. */
export const CACHE_NAMESPACE = 'orders:orders:v1:';

/** How entries are stored outside the process (Redis): JSON, with `...At` fields back as Dates. */
export interface CacheCodec<V> {
  encode(value: V): string;
  decode(text: string): V;
}

const reviveDates = (key: string, value: unknown): unknown => (key.endsWith('At') && typeof value === 'string' ? new Date(value) : value);

export const orderCodec: CacheCodec<Order> = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text, reviveDates) as Order,
};

export const listCodec: CacheCodec<ListResult> = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text, reviveDates) as ListResult,
};

export class CachedOrderStore implements OrderStore {
  readonly #store: OrderStore;
  readonly #byId: ReadThroughCache<Order>;
  readonly #lists: ReadThroughCache<ListResult>;

  constructor(store: OrderStore, caches: { byId: ReadThroughCache<Order>; lists: ReadThroughCache<ListResult> }) {
    this.#store = store;
    this.#byId = caches.byId;
    this.#lists = caches.lists;
  }

  get(id: string): Promise<Order | undefined> {
    return this.#byId.get(id, () => this.#store.get(id));
  }

  list(page: { limit: number; offset: number }): Promise<ListResult> {
    if (page.offset + page.limit > LIST_CACHE_WINDOW) return this.#store.list(page);
    return this.#lists.get(`${page.limit}:${page.offset}`, () => this.#store.list(page)) as Promise<ListResult>;
  }

  async create(input: OrderInput): Promise<Order> {
    const created = await this.#store.create(input);
    await this.changed(created.id, 'writer');
    return created;
  }

  async update(id: string, expectedVersions: readonly number[], input: OrderInput): Promise<UpdateResult> {
    try {
      return await this.#store.update(id, expectedVersions, input);
    } finally {
      // Also after a failure: whether it committed is unknown, and dropping an entry is always safe.
      await this.changed(id, 'writer');
    }
  }

  async delete(id: string, expectedVersions: readonly number[]): Promise<DeleteResult> {
    try {
      return await this.#store.delete(id, expectedVersions);
    } finally {
      await this.changed(id, 'writer');
    }
  }

  /** A committed change of `id` ('*': of every row): drops its entry and every cached list page. */
  async changed(id: string, source: InvalidationSource): Promise<void> {
    if (id === '*') {
      await Promise.all([this.#byId.invalidateAll(source), this.#lists.invalidateAll(source)]);
      return;
    }
    await Promise.all([this.#byId.invalidate(id, source), this.#lists.invalidateAll(source)]);
  }
}
