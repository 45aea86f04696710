/**
 * Adjustments accepted over HTTP and worked off later by the command consumer, at its own pace.
 * Accepting writes the status row and the command (into the outbox) in one transaction, so a
 * command is sent exactly when its status URL exists; the consumer settles the status to done or
 * failed in the same transaction as the effect. Status rows live in this service's database, so
 * every replica answers the status URL the same way.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { enqueueCommand } from '../messaging/outbox.ts';

export type AdjustmentState = 'pending' | 'done' | 'failed';

export interface Adjustment {
  id: string;
  orderId: string;
  delta: number;
  status: AdjustmentState;
  /** The order version the adjustment was based on (the If-Match it was accepted with). */
  expectedVersion: number;
  /** The order's version after the adjustment; null until it is done. */
  resultVersion: number | null;
  /** Why it failed; null unless failed. */
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type SubmitResult =
  | { kind: 'accepted'; adjustment: Adjustment }
  | { kind: 'not_found' }
  | { kind: 'version_mismatch'; currentVersion: number }
  /** The idempotency key was used before, for another order or delta. */
  | { kind: 'key_reused' };

export interface AdjustmentRequest {
  orderId: string;
  delta: number;
  /** Versions the client's If-Match allows. */
  expectedVersions: readonly number[];
  /** A client-chosen id (Idempotency-Key): submitting it again returns the same adjustment. */
  idempotencyKey?: string;
}

export interface AdjustmentQueue {
  submit(request: AdjustmentRequest): Promise<SubmitResult>;
  get(orderId: string, id: string): Promise<Adjustment | undefined>;
}

interface Row {
  id: string;
  subject_id: string;
  data: { delta: number };
  status: AdjustmentState;
  expected_version: number;
  result_version: number | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
}

const COMMAND_TYPE = 'adjust';
const TABLE = '"orders"';
const COLUMNS = 'id, subject_id, data, status, expected_version, result_version, error, created_at, updated_at';

function from(row: Row): Adjustment {
  return {
    id: row.id,
    orderId: row.subject_id,
    delta: row.data.delta,
    status: row.status,
    expectedVersion: row.expected_version,
    resultVersion: row.result_version,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class PgAdjustmentQueue implements AdjustmentQueue {
  readonly #pool: pg.Pool;
  readonly #onEnqueued: () => void;

  /** `onEnqueued` runs after a command was committed to the outbox (it wakes the relay). */
  constructor(pool: pg.Pool, onEnqueued: () => void) {
    this.#pool = pool;
    this.#onEnqueued = onEnqueued;
  }

  async submit(request: AdjustmentRequest): Promise<SubmitResult> {
    const id = request.idempotencyKey ?? randomUUID();
    const client = await this.#pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ version: number }>(`select version from ${TABLE} where id = $1 and deleted_at is null`, [request.orderId]);
      const current = rows[0];
      if (current === undefined) {
        await client.query('rollback');
        return { kind: 'not_found' };
      }
      const inserted = await client.query<Row>(
        `insert into command_status (id, type, subject_id, data, expected_version) values ($1, $2, $3, $4, $5)
         on conflict (id) do nothing returning ${COLUMNS}`,
        [id, COMMAND_TYPE, request.orderId, JSON.stringify({ delta: request.delta }), current.version],
      );
      if (inserted.rows[0] === undefined) {
        await client.query('rollback');
        return this.#replay(id, request);
      }
      if (!request.expectedVersions.includes(current.version)) {
        await client.query('rollback');
        return { kind: 'version_mismatch', currentVersion: current.version };
      }
      await enqueueCommand(client, {
        id,
        type: COMMAND_TYPE,
        data: { orderId: request.orderId, delta: request.delta, expectedVersion: current.version },
      });
      await client.query('commit');
      this.#onEnqueued();
      return { kind: 'accepted', adjustment: from(inserted.rows[0]) };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async get(orderId: string, id: string): Promise<Adjustment | undefined> {
    const { rows } = await this.#pool.query<Row>(`select ${COLUMNS} from command_status where id = $1 and subject_id = $2 and type = $3`, [id, orderId, COMMAND_TYPE]);
    return rows[0] === undefined ? undefined : from(rows[0]);
  }

  /** A retried submission with the same key: the original adjustment, if it was the same request. */
  async #replay(id: string, request: AdjustmentRequest): Promise<SubmitResult> {
    const existing = await this.get(request.orderId, id);
    if (existing === undefined || existing.delta !== request.delta) return { kind: 'key_reused' };
    return { kind: 'accepted', adjustment: existing };
  }
}
