/**
 * Persistence of invoices. Updates and deletes are conditional on the version the
 * client last saw, checked and incremented in the same statement, so concurrent writers cannot
 * overwrite each other: exactly one of them wins, the others learn the current version.
 * Delete is soft: it sets `deleted_at` (a tombstone, bumping the version) and every read and
 * update treats a tombstoned invoice as absent, so a late update can never bring it back.
 */
import type pg from 'pg';
import type { InvoiceInput } from './schemas.ts';

export interface Invoice {
  id: string;
  title: string;
  body: string | null;
  count: number;
  price: number | null;
  paid: boolean;
  dueAt: Date | null;
  ownerId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type UpdateResult = { kind: 'updated'; invoice: Invoice } | { kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number };

export type DeleteResult = { kind: 'deleted' } | { kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number };

export interface ListResult {
  items: Invoice[];
  hasMore: boolean;
}

export interface InvoiceStore {
  create(input: InvoiceInput): Promise<Invoice>;
  get(id: string): Promise<Invoice | undefined>;
  /** Oldest first; `hasMore` tells whether another page follows. */
  list(page: { limit: number; offset: number }): Promise<ListResult>;
  /** Applies when the current version is one of `expectedVersions`. */
  update(id: string, expectedVersions: readonly number[], input: InvoiceInput): Promise<UpdateResult>;
  /** Leaves a tombstone: from then on get, list, update and delete see no invoice. */
  delete(id: string, expectedVersions: readonly number[]): Promise<DeleteResult>;
}

interface Row {
  id: string;
  title: string;
  body: string | null;
  count: number;
  price: string | null;
  paid: boolean;
  due_at: Date | null;
  owner_id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const TABLE = '"invoices"';
const COLUMNS = 'id, "title", "body", "count", "price", "paid", "due_at", "owner_id", version, created_at, updated_at';
/** The field columns in the order of `valuesOf`, so statements bind them as $3, $4, ... */
const FIELD_COLUMNS = ['"title"', '"body"', '"count"', '"price"', '"paid"', '"due_at"', '"owner_id"'];

/** An optional field left out of the request is stored as null. */
function valuesOf(input: InvoiceInput): unknown[] {
  return [input.title, input.body ?? null, input.count, input.price ?? null, input.paid, input.dueAt ?? null, input.ownerId];
}

function from(row: Row): Invoice {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    count: row.count,
    price: row.price === null ? null : Number(row.price),
    paid: row.paid,
    dueAt: row.due_at,
    ownerId: row.owner_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const INSERT = `insert into ${TABLE} (${FIELD_COLUMNS.join(', ')})
  values (${FIELD_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})
  returning ${COLUMNS}`;
const ASSIGNMENTS = FIELD_COLUMNS.map((column, index) => `${column} = $${index + 3}`).join(', ');

export class PgInvoiceStore implements InvoiceStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(input: InvoiceInput): Promise<Invoice> {
    const { rows } = await this.#pool.query<Row>(INSERT, valuesOf(input));
    return from(rows[0] as Row);
  }

  async get(id: string): Promise<Invoice | undefined> {
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

  async update(id: string, expectedVersions: readonly number[], input: InvoiceInput): Promise<UpdateResult> {
    const { rows } = await this.#pool.query<Row>(
      `update ${TABLE}
          set ${ASSIGNMENTS}, version = version + 1, updated_at = now()
        where id = $1 and version = any($2::integer[]) and deleted_at is null
        returning ${COLUMNS}`,
      [id, expectedVersions, ...valuesOf(input)],
    );
    if (rows[0] !== undefined) return { kind: 'updated', invoice: from(rows[0]) };
    return this.#missOrMismatch(id);
  }

  async delete(id: string, expectedVersions: readonly number[]): Promise<DeleteResult> {
    const { rowCount } = await this.#pool.query(
      `update ${TABLE}
          set deleted_at = now(), version = version + 1, updated_at = now()
        where id = $1 and version = any($2::integer[]) and deleted_at is null`,
      [id, expectedVersions],
    );
    if (rowCount === 1) return { kind: 'deleted' };
    return this.#missOrMismatch(id);
  }

  /** Why a conditional write matched nothing: no such invoice (or a tombstone), or another version. */
  async #missOrMismatch(id: string): Promise<{ kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number }> {
    const { rows } = await this.#pool.query<{ version: number }>(`select version from ${TABLE} where id = $1 and deleted_at is null`, [id]);
    return rows[0] === undefined ? { kind: 'not_found' } : { kind: 'version_mismatch', currentVersion: rows[0].version };
  }
}
