/**
 * Persistence of shipmentLines. Updates and deletes are conditional on the version the
 * client last saw, checked and incremented in the same statement, so concurrent writers cannot
 * overwrite each other: exactly one of them wins, the others learn the current version.
 * Delete is soft: it sets `deleted_at` (a tombstone, bumping the version) and every read and
 * update treats a tombstoned shipment-line as absent, so a late update can never bring it back.
 */
import type pg from 'pg';
import type { ShipmentLineInput } from './schemas.ts';

export interface ShipmentLine {
  id: string;
  label: string | null;
  notes: string;
  quantity: number | null;
  weight: number;
  done: boolean | null;
  shippedAt: Date;
  ref: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type UpdateResult = { kind: 'updated'; shipmentLine: ShipmentLine } | { kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number };

export type DeleteResult = { kind: 'deleted' } | { kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number };

export interface ListResult {
  items: ShipmentLine[];
  hasMore: boolean;
}

export interface ShipmentLineStore {
  create(input: ShipmentLineInput): Promise<ShipmentLine>;
  get(id: string): Promise<ShipmentLine | undefined>;
  /** Oldest first; `hasMore` tells whether another page follows. */
  list(page: { limit: number; offset: number }): Promise<ListResult>;
  /** Applies when the current version is one of `expectedVersions`. */
  update(id: string, expectedVersions: readonly number[], input: ShipmentLineInput): Promise<UpdateResult>;
  /** Leaves a tombstone: from then on get, list, update and delete see no shipment-line. */
  delete(id: string, expectedVersions: readonly number[]): Promise<DeleteResult>;
}

interface Row {
  id: string;
  label: string | null;
  notes: string;
  quantity: number | null;
  weight: string;
  done: boolean | null;
  shipped_at: Date;
  ref: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const TABLE = '"shipment_lines"';
const COLUMNS = 'id, "label", "notes", "quantity", "weight", "done", "shipped_at", "ref", version, created_at, updated_at';
/** The field columns in the order of `valuesOf`, so statements bind them as $3, $4, ... */
const FIELD_COLUMNS = ['"label"', '"notes"', '"quantity"', '"weight"', '"done"', '"shipped_at"', '"ref"'];

/** An optional field left out of the request is stored as null. */
function valuesOf(input: ShipmentLineInput): unknown[] {
  return [input.label ?? null, input.notes, input.quantity ?? null, input.weight, input.done ?? null, input.shippedAt, input.ref ?? null];
}

function from(row: Row): ShipmentLine {
  return {
    id: row.id,
    label: row.label,
    notes: row.notes,
    quantity: row.quantity,
    weight: Number(row.weight),
    done: row.done,
    shippedAt: row.shipped_at,
    ref: row.ref,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const INSERT = `insert into ${TABLE} (${FIELD_COLUMNS.join(', ')})
  values (${FIELD_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})
  returning ${COLUMNS}`;
const ASSIGNMENTS = FIELD_COLUMNS.map((column, index) => `${column} = $${index + 3}`).join(', ');

export class PgShipmentLineStore implements ShipmentLineStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(input: ShipmentLineInput): Promise<ShipmentLine> {
    const { rows } = await this.#pool.query<Row>(INSERT, valuesOf(input));
    return from(rows[0] as Row);
  }

  async get(id: string): Promise<ShipmentLine | undefined> {
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

  async update(id: string, expectedVersions: readonly number[], input: ShipmentLineInput): Promise<UpdateResult> {
    const { rows } = await this.#pool.query<Row>(
      `update ${TABLE}
          set ${ASSIGNMENTS}, version = version + 1, updated_at = now()
        where id = $1 and version = any($2::integer[]) and deleted_at is null
        returning ${COLUMNS}`,
      [id, expectedVersions, ...valuesOf(input)],
    );
    if (rows[0] !== undefined) return { kind: 'updated', shipmentLine: from(rows[0]) };
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

  /** Why a conditional write matched nothing: no such shipment-line (or a tombstone), or another version. */
  async #missOrMismatch(id: string): Promise<{ kind: 'not_found' } | { kind: 'version_mismatch'; currentVersion: number }> {
    const { rows } = await this.#pool.query<{ version: number }>(`select version from ${TABLE} where id = $1 and deleted_at is null`, [id]);
    return rows[0] === undefined ? { kind: 'not_found' } : { kind: 'version_mismatch', currentVersion: rows[0].version };
  }
}
