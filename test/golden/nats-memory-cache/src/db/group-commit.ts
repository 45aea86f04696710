/**
 * Group commit for effects that are one statement each (the example's adjust command: inbox row,
 * change and outbox event in one statement), keyed by what the statement locks (the row's id).
 * Statements on one key are applied one transaction at a time, in arrival order: those that
 * arrive while the key's transaction runs queue behind it and are then applied together, in one
 * transaction on one connection. So a burst of commands on one row costs one commit per batch,
 * and no transaction waits on another's row lock; statements on different keys run side by side,
 * each alone, exactly as `pool.query` would run them (no begin, no commit, no extra round trip).
 *
 * Each caller still sees its own statement's outcome, and only after it has committed:
 * - a statement that fails (a check violation, a deadlock) rolls its batch back, and every
 *   statement of that batch is then applied alone, so one command's failure is its own;
 * - an unavailable database (connection lost, even during the commit, when whether it committed
 *   is unknown) fails the whole batch with that error; the consumer retries each command, and
 *   each statement must therefore be safe to apply twice (the inbox row makes it so).
 * Statements run in their caller's trace context, so each command's trace shows its own query.
 */
import { context, type Context } from '@opentelemetry/api';
import type pg from 'pg';
import { isDependencyUnavailable } from '../dependency-errors.ts';

export interface GroupCommitOptions {
  /** The most statements in one transaction: more makes each commit wait longer for the last. */
  maxBatch?: number;
}

export interface GroupCommit {
  /**
   * Applies one statement, batched with those waiting on the same `key` (what it locks: the row's
   * id); resolves once it has committed.
   */
  query<R extends pg.QueryResultRow>(key: string, statement: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

interface Queued {
  statement: pg.QueryConfig;
  trace: Context;
  resolve(result: pg.QueryResult<any>): void;
  reject(error: unknown): void;
}

export const DEFAULT_MAX_BATCH = 16;

export function createGroupCommit(pool: pg.Pool, options: GroupCommitOptions = {}): GroupCommit {
  const { maxBatch = DEFAULT_MAX_BATCH } = options;
  /** The keys a transaction is applying now, each with the statements queued behind it. */
  const busy = new Map<string, Queued[]>();

  const alone = (entry: Queued): Promise<void> => context.with(entry.trace, () => pool.query(entry.statement)).then(entry.resolve, entry.reject);

  async function together(batch: Queued[]): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    const results: Array<pg.QueryResult<any>> = [];
    try {
      // begin and commit belong to the first command's trace; each statement to its own.
      await context.with(batch[0]!.trace, () => client.query('begin'));
      for (const entry of batch) results.push(await context.with(entry.trace, () => client.query(entry.statement)));
      await context.with(batch[0]!.trace, () => client.query('commit'));
    } catch (error) {
      if (isDependencyUnavailable(error)) {
        client.release(error as Error);
        for (const entry of batch) entry.reject(error);
        return;
      }
      try {
        await client.query('rollback');
        client.release();
      } catch (rollbackError) {
        client.release(rollbackError as Error);
      }
      // Nothing of the batch committed: each statement again on its own, so only the one at fault fails.
      for (const entry of batch) await alone(entry);
      return;
    }
    client.release();
    batch.forEach((entry, index) => entry.resolve(results[index]!));
  }

  function apply(key: string, batch: Queued[]): void {
    void (batch.length === 1 ? alone(batch[0]!) : together(batch)).finally(() => {
      const waiting = busy.get(key)!;
      if (waiting.length === 0) busy.delete(key);
      else apply(key, waiting.splice(0, maxBatch));
    });
  }

  return {
    query<R extends pg.QueryResultRow>(key: string, statement: pg.QueryConfig): Promise<pg.QueryResult<R>> {
      return new Promise((resolve, reject) => {
        const entry = { statement, trace: context.active(), resolve, reject };
        const waiting = busy.get(key);
        if (waiting !== undefined) {
          waiting.push(entry);
          return;
        }
        busy.set(key, []);
        apply(key, [entry]);
      });
    },
  };
}
