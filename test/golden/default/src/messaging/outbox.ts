/**
 * Transactional outbox. `enqueueEvent` (and `enqueueCommand`, for commands this service accepts
 * over HTTP and works off later) writes a message in the caller's transaction, so it exists
 * exactly when the change it belongs to was committed. The relay, running in every replica, takes
 * batches with FOR UPDATE SKIP LOCKED (replicas never publish the same row at once), publishes
 * each message and waits for the broker's confirm, then deletes the rows in the same transaction.
 * A crash between confirm and commit publishes the batch again: messages are delivered at least
 * once, with the same id, so consumers recognise the duplicates.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import type { Broker, OutboundCommand } from './broker.ts';

export interface OutboxEvent {
  topic: string;
  type: string;
  data: unknown;
  correlationId: string;
}

/** Call inside the transaction that makes the change; returns the event's id. */
export async function enqueueEvent(client: pg.ClientBase, event: OutboxEvent): Promise<string> {
  const id = randomUUID();
  await insertOutboxRow(client, 'event', { id, ...event });
  return id;
}

/** Call inside the transaction that records the command (e.g. its status row). */
export async function enqueueCommand(client: pg.ClientBase, command: OutboundCommand): Promise<void> {
  await insertOutboxRow(client, 'command', { ...command, topic: command.type });
}

async function insertOutboxRow(client: pg.ClientBase, kind: OutboxKind, row: OutboxEvent & { id: string }): Promise<void> {
  await client.query('insert into outbox (id, kind, topic, type, data, correlation_id) values ($1, $2, $3, $4, $5, $6)', [
    row.id,
    kind,
    row.topic,
    row.type,
    JSON.stringify(row.data),
    row.correlationId,
  ]);
}

type OutboxKind = 'event' | 'command';

interface OutboxRow {
  id: string;
  kind: OutboxKind;
  topic: string;
  type: string;
  data: unknown;
  correlation_id: string;
}

export interface OutboxRelayOptions {
  pool: pg.Pool;
  broker: Pick<Broker, 'publish' | 'sendCommand'>;
  logger: Logger;
  pollMs: number;
  batchSize: number;
  /** Inbox entries older than this are pruned; longer than any redelivery can take. */
  inboxRetentionHours?: number;
  /** Finished commands' status rows older than this are pruned (their status URLs then answer 404). */
  commandStatusRetentionHours?: number;
}

const PRUNE_EVERY_MS = 10 * 60_000;
const COALESCE_MS = 25;

export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  #running: Promise<void> | undefined;
  #stopped = true;
  #wake: (() => void) | undefined;
  /** Set by notify() while a batch runs, so that notification is not lost. */
  #notified = false;
  #lastPruneAt = 0;
  #failures = 0;

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#running = this.#loop();
  }

  /** Publish soon: a transaction with events has just committed. */
  notify(): void {
    this.#notified = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
  }

  /** Publishes one batch; returns how many events went out. */
  async publishBatch(): Promise<number> {
    const { pool, broker, batchSize } = this.#options;
    const client = await pool.connect();
    try {
      // No need to wait for the WAL flush: if a crash loses the delete, the batch is published
      // again with the same ids, which consumers already absorb. Saves an fsync per batch.
      await client.query('begin; set local synchronous_commit = off');
      const { rows } = await client.query<OutboxRow>(
        `select id, kind, topic, type, data, correlation_id from outbox
          order by created_at, id limit $1 for update skip locked`,
        [batchSize],
      );
      if (rows.length === 0) {
        await client.query('commit');
        return 0;
      }
      await Promise.all(
        rows.map((row) => {
          const message = { id: row.id, type: row.type, data: row.data, correlationId: row.correlation_id };
          return row.kind === 'command' ? broker.sendCommand(message) : broker.publish({ ...message, topic: row.topic });
        }),
      );
      await client.query('delete from outbox where id = any($1::uuid[])', [rows.map((row) => row.id)]);
      await client.query('commit');
      return rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let published = 0;
      this.#notified = false;
      try {
        published = await this.publishBatch();
        this.#failures = 0;
        await this.#pruneInbox();
      } catch (error) {
        this.#failures += 1;
        this.#options.logger.warn({ err: error, failures: this.#failures }, 'outbox relay: publishing failed; will retry');
      }
      if (published >= this.#options.batchSize) continue;
      // After a commit, wait a moment so the events of concurrent commits go out as one batch.
      const delayMs =
        this.#failures > 0
          ? Math.min(30_000, this.#options.pollMs * 2 ** this.#failures)
          : this.#notified
            ? COALESCE_MS
            : this.#options.pollMs;
      await new Promise<void>((resolve) => {
        let timer = setTimeout(resolve, delayMs);
        this.#wake = () => {
          // While the broker fails, commits do not cut the backoff short; stopping does.
          if (this.#failures > 0 && !this.#stopped) return;
          this.#wake = undefined;
          clearTimeout(timer);
          timer = setTimeout(resolve, this.#stopped ? 0 : COALESCE_MS);
        };
      });
      this.#wake = undefined;
    }
  }

  async #pruneInbox(): Promise<void> {
    if (Date.now() - this.#lastPruneAt < PRUNE_EVERY_MS) return;
    this.#lastPruneAt = Date.now();
    const { pool, inboxRetentionHours = 24 * 7, commandStatusRetentionHours = 24 * 7 } = this.#options;
    await pool.query(`delete from inbox where received_at < now() - make_interval(hours => $1)`, [inboxRetentionHours]);
    await pool.query(`delete from command_status where status <> 'pending' and updated_at < now() - make_interval(hours => $1)`, [
      commandStatusRetentionHours,
    ]);
  }
}
