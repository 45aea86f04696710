/**
 * Commands on orders, consumed from orders.order.commands. The example `adjust` adds
 * `delta` to an order's quantity, creating the order if needed, and reports it as a
 * `order.adjusted` event. Adding is deliberately not idempotent on its own: the inbox row,
 * written in the same transaction as the effect, is what makes a redelivered command harmless.
 * Handlers that need several statements use a transaction and `enqueueEvent` from the outbox,
 * as the versioned path below does; a handler whose effect is one statement hands it to the
 * group commit (src/db/group-commit.ts), which applies the statements on one order that
 * arrive together in one transaction.
 */
import type pg from 'pg';
import { Type, type Static } from 'typebox';
import { createGroupCommit, type GroupCommit } from '../db/group-commit.ts';
import { commandHandler, PermanentCommandError, type CommandContext, type CommandHandler } from '../messaging/consumer.ts';
import { enqueueEvent, traceContextColumn } from '../messaging/outbox.ts';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const AdjustData = Type.Object(
  {
    orderId: Type.String({ pattern: UUID }),
    delta: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 }),
    /**
     * The version the sender based the command on (the If-Match of an accepted HTTP request).
     * With it, versions decide the order, not arrival: the command applies only to exactly that
     * version, waits (is retried) while the order is older, and fails when a newer change
     * got there first. Without it, the delta applies to whatever is current.
     */
    expectedVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const ADJUSTED_EVENT = 'order.adjusted';

const TABLE = '"orders"';
const CHECK_VIOLATION = '23514';

export interface OrderCommandOptions {
  pool: pg.Pool;
  /** Called after a transaction that wrote events has committed (wakes the outbox relay). */
  onEventsCommitted?: () => void;
}

type Adjust = Static<typeof AdjustData>;

/** What a versioned adjust does with the order as it is now. */
export type VersionVerdict = { kind: 'apply' } | { kind: 'wait'; reason: string } | { kind: 'fail'; reason: string };

export function versionVerdict(current: { quantity: number; version: number } | undefined, data: Adjust & { expectedVersion: number }): VersionVerdict {
  if (current === undefined) return { kind: 'fail', reason: `order ${data.orderId} does not exist` };
  if (current.version < data.expectedVersion) {
    // An earlier command (the one that makes this version) is still queued behind this one.
    return { kind: 'wait', reason: `order ${data.orderId} is at version ${current.version}, not yet ${data.expectedVersion}` };
  }
  if (current.version > data.expectedVersion) {
    return {
      kind: 'fail',
      reason: `conflict: order ${data.orderId} changed to version ${current.version} after version ${data.expectedVersion} this command was based on`,
    };
  }
  if (current.quantity + data.delta < 0) {
    return { kind: 'fail', reason: `adjusting order ${data.orderId} by ${data.delta} would make its quantity negative` };
  }
  return { kind: 'apply' };
}

export function orderCommandHandlers(options: OrderCommandOptions): Record<string, CommandHandler<any>> {
  const statements = createGroupCommit(options.pool);
  const adjust = commandHandler({
    schema: AdjustData,
    async handle(data, context) {
      const applied =
        data.expectedVersion === undefined
          ? await adjustCurrent(statements, data, context)
          : await adjustAtVersion(options.pool, { ...data, expectedVersion: data.expectedVersion }, context);
      if (applied) options.onEventsCommitted?.();
    },
  });
  return { adjust };
}

/** Adds to whatever version is current; returns whether anything was applied. */
async function adjustCurrent(statements: GroupCommit, data: Adjust, context: CommandContext): Promise<boolean> {
  // One statement: the inbox row, the change and its outbox event commit together or not at all,
  // in a single round trip (or in one transaction with the commands on the same order that
  // queued behind the one being applied). A command id already in the inbox inserts nothing, so
  // nothing downstream happens either (a redelivery changes nothing).
  let rows: Array<{ quantity: number; version: number }>;
  try {
    ({ rows } = await statements.query<{ quantity: number; version: number }>(data.orderId, {
      // Named, so each connection parses and plans these three inserts once rather than for every
      // command: doing it every time took over a third of PostgreSQL's CPU under a burst. Behind
      // a transaction-mode pooler (PgBouncer), that needs its prepared-statement support.
      name: 'order-adjust-current',
      text: `with received as (
         insert into inbox (message_id) values ($1) on conflict do nothing returning message_id
       ), changed as (
         insert into ${TABLE} as t (id, name, quantity)
           select $2, $3, $4 from received
         on conflict (id) do update
           set quantity = t.quantity + excluded.quantity, version = t.version + 1, updated_at = now()
           where t.deleted_at is null
         returning quantity, version
       ), event as (
         insert into outbox (id, topic, type, data, trace_context)
           select gen_random_uuid(), $5, $5,
                  jsonb_build_object('orderId', $2::text, 'delta', $4::integer, 'quantity', quantity,
                                     'version', version, 'commandId', $1::text),
                  $6
             from changed
       )
       select quantity, version from changed`,
      values: [context.messageId, data.orderId, `order ${data.orderId}`, data.delta, ADJUSTED_EVENT, traceContextColumn()],
    }));
  } catch (error) {
    if ((error as { code?: string }).code === CHECK_VIOLATION) {
      throw new PermanentCommandError(`adjusting order ${data.orderId} by ${data.delta} would make its quantity negative`);
    }
    throw error;
  }
  const row = rows[0];
  if (row === undefined) {
    // Nothing changed: the command id was seen before, or the order is a tombstone (deleted
    // while the command was on its way; the command id is recorded, so a redelivery stays a no-op).
    context.alreadyApplied();
    context.logger.info('duplicate command, or its order was deleted: nothing to apply');
    return false;
  }
  context.logger.info({ orderId: data.orderId, quantity: row.quantity, version: row.version }, 'order adjusted');
  return true;
}

/**
 * Applies only to `expectedVersion`, in one transaction with the inbox row, the event and the
 * command's status row (when it was accepted over HTTP). Returns whether anything was applied.
 */
async function adjustAtVersion(pool: pg.Pool, data: Adjust & { expectedVersion: number }, context: CommandContext): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const received = await client.query('insert into inbox (message_id) values ($1) on conflict do nothing', [context.messageId]);
    if (received.rowCount === 0) {
      await client.query('commit');
      context.alreadyApplied();
      context.logger.info('duplicate command: already applied');
      return false;
    }
    // An accepted command whose status already says failed (it expired while its message was
    // away) is not applied late: the client was told it failed and may have submitted it again.
    const status = await client.query<{ status: string }>(`select status from command_status where id = $1 for update`, [context.messageId]);
    if (status.rows[0] !== undefined && status.rows[0].status !== 'pending') {
      await client.query('commit');
      context.logger.warn({ status: status.rows[0].status }, 'command already settled (expired): not applied');
      return false;
    }
    const { rows } = await client.query<{ quantity: number; version: number }>(`select quantity, version from ${TABLE} where id = $1 and deleted_at is null for update`, [
      data.orderId,
    ]);
    const verdict = versionVerdict(rows[0], data);
    if (verdict.kind === 'wait' && !context.finalAttempt) {
      // Rolled back, inbox row included, so the redelivery is not mistaken for a duplicate.
      throw new Error(verdict.reason);
    }
    if (verdict.kind !== 'apply') {
      const reason = verdict.kind === 'wait' ? `gave up waiting: ${verdict.reason}` : verdict.reason;
      const recorded = await client.query(`update command_status set status = 'failed', error = $2, updated_at = now() where id = $1 and status = 'pending'`, [
        context.messageId,
        reason,
      ]);
      if (recorded.rowCount === 0) throw new PermanentCommandError(reason);
      await client.query('commit');
      context.logger.info({ reason }, 'command failed; its status says why');
      return false;
    }
    const changed = await client.query<{ quantity: number; version: number }>(
      `update ${TABLE} set quantity = quantity + $2, version = version + 1, updated_at = now()
        where id = $1 returning quantity, version`,
      [data.orderId, data.delta],
    );
    const row = changed.rows[0] as { quantity: number; version: number };
    await enqueueEvent(client, {
      topic: ADJUSTED_EVENT,
      type: ADJUSTED_EVENT,
      data: { orderId: data.orderId, delta: data.delta, quantity: row.quantity, version: row.version, commandId: context.messageId },
    });
    await client.query(`update command_status set status = 'done', result_version = $2, updated_at = now() where id = $1 and status = 'pending'`, [
      context.messageId,
      row.version,
    ]);
    await client.query('commit');
    context.logger.info({ orderId: data.orderId, quantity: row.quantity, version: row.version }, 'order adjusted');
    return true;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
