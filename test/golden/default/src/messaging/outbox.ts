/**
 * Transactional outbox. `enqueueEvent` (and `enqueueCommand`, for commands this service accepts
 * over HTTP and works off later) writes a message in the caller's transaction, so it exists
 * exactly when the change it belongs to was committed. The relay, running in every replica, claims
 * a batch in one short statement (FOR UPDATE SKIP LOCKED, so replicas never claim the same row at
 * once; the claim is a lease, `claimed_until`), commits, publishes each message and waits for the
 * broker's confirms, then deletes the rows the broker confirmed. No transaction is open while the
 * broker is awaited: a frozen broker or a failed-over database never leaves a session idle in
 * transaction holding row locks. A crash (or a lost delete) after the confirm leaves the claim to
 * expire and the rows are published again: messages are delivered at least once, with the same
 * id, so consumers recognise the duplicates. Rows the broker refused are released at once.
 *
 * Each row keeps the trace context it was written in (trace_context), and its publish is a
 * PRODUCER span of that trace, so the consumer of the message continues the writer's trace.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { currentTraceCarrier, inProducerSpan } from '../telemetry/messaging.ts';
import type { Broker, OutboundCommand, TraceCarrier } from './broker.ts';

export interface OutboxEvent {
  topic: string;
  type: string;
  data: unknown;
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
  await client.query('insert into outbox (id, kind, topic, type, data, trace_context) values ($1, $2, $3, $4, $5, $6)', [
    row.id,
    kind,
    row.topic,
    row.type,
    JSON.stringify(row.data),
    traceContextColumn(),
  ]);
}

/** The active trace context for an outbox row's trace_context column; null when untraced. */
export function traceContextColumn(): string | null {
  const carrier = currentTraceCarrier();
  return Object.keys(carrier).length === 0 ? null : JSON.stringify(carrier);
}

type OutboxKind = 'event' | 'command';

interface OutboxRow {
  id: string;
  kind: OutboxKind;
  topic: string;
  type: string;
  data: unknown;
  trace_context: TraceCarrier | null;
  created_at: Date;
}

/** The promise's value, or undefined when it has not settled within `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
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
const EXPIRE_EVERY_MS = 60_000;
/**
 * An accepted command still pending after this long is failed, with the reason: its message was
 * dead-lettered or lost, and its status URL must not say "pending" forever. Longer than the most a
 * command can legitimately take: MESSAGING_MAX_DELIVERIES (5) waits of up to 4 minutes for an
 * unavailable dependency, plus retry backoff. The consumer never applies a command whose status
 * has expired (src/{resources}/commands.ts), so "failed" stays true.
 */
export const PENDING_COMMAND_EXPIRY_MINUTES = 30;
/**
 * How long a claim holds before another replica may publish the rows again. Longer than a
 * broker confirm takes when it works (the publish is abandoned well before: see below), short
 * enough that a crashed replica's batch goes out again within a minute.
 */
export const CLAIM_LEASE_MS = 60_000;
/** A batch whose confirms have not all arrived by then counts as failed (its rows are released). */
const PUBLISH_DEADLINE_MS = 30_000;
const COALESCE_MS = 25;
/**
 * The longest pause between attempts while the broker fails: once it is back, the outbox drains
 * within this much (plus the broker's own reconnect), however long the outage was.
 */
export const MAX_RELAY_BACKOFF_MS = 2_000;

export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  #running: Promise<void> | undefined;
  #stopped = true;
  #wake: (() => void) | undefined;
  /** Set by notify() while a batch runs, so that notification is not lost. */
  #notified = false;
  #lastPruneAt = 0;
  #lastExpiryAt = 0;
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

  /** Publishes one batch; returns how many messages the broker confirmed. */
  async publishBatch(): Promise<number> {
    const { pool, broker, batchSize } = this.#options;
    // One statement, one short transaction: no client is held while the broker is awaited.
    const { rows } = await pool.query<OutboxRow>(
      `update outbox set claimed_until = now() + make_interval(secs => $2)
        where id in (select id from outbox
                      where claimed_until is null or claimed_until < now()
                      order by created_at, id limit $1 for update skip locked)
        returning id, kind, topic, type, data, trace_context, created_at`,
      [batchSize, CLAIM_LEASE_MS / 1000],
    );
    if (rows.length === 0) return 0;
    rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id));
    const results = await withDeadline(
      Promise.allSettled(
        rows.map((row) =>
          inProducerSpan(row.trace_context, row.kind === 'command' ? `${row.type} command` : row.topic, { 'messaging.message.id': row.id }, (traceContext) => {
            const message = { id: row.id, type: row.type, data: row.data, traceContext };
            return row.kind === 'command' ? broker.sendCommand(message) : broker.publish({ ...message, topic: row.topic });
          }),
        ),
      ),
      PUBLISH_DEADLINE_MS,
    );
    const confirmed = rows.filter((_, index) => results?.[index]?.status === 'fulfilled').map((row) => row.id);
    const refused = rows.map((row) => row.id).filter((id) => !confirmed.includes(id));
    if (confirmed.length > 0) await pool.query('delete from outbox where id = any($1::uuid[])', [confirmed]);
    if (refused.length > 0) {
      // Back to the queue at once rather than after the lease; if this fails too, the lease ends it.
      await pool.query('update outbox set claimed_until = null where id = any($1::uuid[])', [refused]).catch(() => undefined);
      const firstFailure = results?.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      throw firstFailure?.reason ?? new Error(`the broker did not confirm ${refused.length} messages within ${PUBLISH_DEADLINE_MS} ms`);
    }
    return confirmed.length;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let published = 0;
      this.#notified = false;
      try {
        published = await this.publishBatch();
        this.#failures = 0;
        await this.#expirePendingCommands();
        await this.#pruneInbox();
      } catch (error) {
        this.#failures += 1;
        this.#options.logger.warn({ err: error, failures: this.#failures }, 'outbox relay: publishing failed; will retry');
      }
      if (published >= this.#options.batchSize) continue;
      // After a commit, wait a moment so the events of concurrent commits go out as one batch.
      const delayMs =
        this.#failures > 0 ? Math.min(MAX_RELAY_BACKOFF_MS, this.#options.pollMs * 2 ** this.#failures) : this.#notified ? COALESCE_MS : this.#options.pollMs;
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

  async #expirePendingCommands(): Promise<void> {
    if (Date.now() - this.#lastExpiryAt < EXPIRE_EVERY_MS) return;
    this.#lastExpiryAt = Date.now();
    const expired = await expirePendingCommands(this.#options.pool, PENDING_COMMAND_EXPIRY_MINUTES);
    if (expired > 0) this.#options.logger.warn({ expired, afterMinutes: PENDING_COMMAND_EXPIRY_MINUTES }, 'accepted commands never completed: marked failed');
  }

  async #pruneInbox(): Promise<void> {
    if (Date.now() - this.#lastPruneAt < PRUNE_EVERY_MS) return;
    this.#lastPruneAt = Date.now();
    const { pool, inboxRetentionHours = 24 * 7, commandStatusRetentionHours = 24 * 7 } = this.#options;
    await pool.query(`delete from inbox where received_at < now() - make_interval(hours => $1)`, [inboxRetentionHours]);
    await pool.query(`delete from command_status where status <> 'pending' and updated_at < now() - make_interval(hours => $1)`, [commandStatusRetentionHours]);
  }
}

/** Fails every command pending for longer than `minutes`; returns how many. */
export async function expirePendingCommands(pool: pg.Pool, minutes: number): Promise<number> {
  const { rowCount } = await pool.query(
    `update command_status set status = 'failed', updated_at = now(),
            error = 'not completed within ' || $1::text || ' minutes of being accepted (its message was dead-lettered or lost); submit it again'
      where status = 'pending' and created_at < now() - make_interval(mins => $1)`,
    [minutes],
  );
  return rowCount ?? 0;
}
