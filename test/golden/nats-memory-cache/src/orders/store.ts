/**
 * Persistence of orders. Updates and deletes are conditional on the version the
 * client last saw, checked and incremented in the same statement, so concurrent writers cannot
 * overwrite each other: exactly one of them wins, the others learn the current version.
 * Delete is soft: it sets `deleted_at` (a tombstone, bumping the version) and every read and
 * update treats a tombstoned order as absent, so a late update can never bring it back.
 * src/db/tombstone-purger.ts removes tombstones for good after TOMBSTONE_RETENTION_HOURS.
 */
import type pg from 'pg';
import { traceContextColumn } from '../messaging/outbox.ts';
import type { OrderInput } from './schemas.ts';

export interface Order {
  id: string;
  name: string;
  quantity: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type UpdateResult = { kind: 'updated'; order: Order } | { kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number };

export type DeleteResult = { kind: 'deleted' } | { kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number };

export interface ListResult {
  items: Order[];
  hasMore: boolean;
}

export interface OrderStore {
  create(input: OrderInput): Promise<Order>;
  get(id: string): Promise<Order | undefined>;
  /** Oldest first; `hasMore` tells whether another page follows. */
  list(page: { limit: number; offset: number }): Promise<ListResult>;
  /** Applies when the current version is one of `expectedVersions`. */
  update(id: string, expectedVersions: readonly number[], input: OrderInput): Promise<UpdateResult>;
  /** Leaves a tombstone: from then on get, list, update and delete see no order. */
  delete(id: string, expectedVersions: readonly number[]): Promise<DeleteResult>;
}

interface Row {
  id: string;
  name: string;
  quantity: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const TABLE = '"orders"';
const COLUMNS = 'id, name, quantity, version, created_at, updated_at';
const DELETED_EVENT = 'order.deleted';

function from(row: Row): Order {
  return {
    id: row.id,
    name: row.name,
    quantity: row.quantity,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class PgOrderStore implements OrderStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(input: OrderInput): Promise<Order> {
    const { rows } = await this.#pool.query<Row>(`insert into ${TABLE} (name, quantity) values ($1, $2) returning ${COLUMNS}`, [input.name, input.quantity]);
    return from(rows[0] as Row);
  }

  async get(id: string): Promise<Order | undefined> {
    const { rows } = await this.#pool.query<Row>(`select ${COLUMNS} from ${TABLE} where id = $1 and deleted_at is null`, [id]);
    return rows[0] === undefined ? undefined : from(rows[0]);
  }

  async list(page: { limit: number; offset: number }): Promise<ListResult> {
    const { rows } = await this.#pool.query<Row>(`select ${COLUMNS} from ${TABLE} where deleted_at is null order by created_at, id limit $1 offset $2`, [
      page.limit + 1,
      page.offset,
    ]);
    return { items: rows.slice(0, page.limit).map(from), hasMore: rows.length > page.limit };
  }

  async update(id: string, expectedVersions: readonly number[], input: OrderInput): Promise<UpdateResult> {
    const { rows } = await this.#pool.query<Row>(
      `update ${TABLE}
          set name = $3, quantity = $4, version = version + 1, updated_at = now()
        where id = $1 and version = any($2::integer[]) and deleted_at is null
        returning ${COLUMNS}`,
      [id, expectedVersions, input.name, input.quantity],
    );
    if (rows[0] !== undefined) return { kind: 'updated', order: from(rows[0]) };
    return this.#missOrMismatch(id);
  }

  async delete(id: string, expectedVersions: readonly number[]): Promise<DeleteResult> {
    // One statement, so one transaction: the tombstone and its outbox event commit together.
    const { rowCount } = await this.#pool.query(
      `with deleted as (
         update ${TABLE}
            set deleted_at = now(), version = version + 1, updated_at = now()
          where id = $1 and version = any($2::integer[]) and deleted_at is null
          returning id, version, deleted_at
       ), event as (
         insert into outbox (id, topic, type, data, trace_context)
           select gen_random_uuid(), $3, $3,
                  jsonb_build_object('orderId', id, 'version', version, 'deletedAt', deleted_at), $4
             from deleted
       )
       select id from deleted`,
      [id, expectedVersions, DELETED_EVENT, traceContextColumn()],
    );
    if (rowCount === 1) return { kind: 'deleted' };
    return this.#missOrMismatch(id);
  }

  /** Why a conditional write matched nothing: no such order (or a tombstone), or another version. */
  async #missOrMismatch(id: string): Promise<{ kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number }> {
    const { rows } = await this.#pool.query<{ version: number }>(`select version from ${TABLE} where id = $1 and deleted_at is null`, [id]);
    return rows[0] === undefined ? { kind: 'not_found' } : { kind: 'version_mismatch', currentVersion: rows[0].version };
  }
}
