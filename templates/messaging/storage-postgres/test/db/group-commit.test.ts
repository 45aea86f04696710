/**
 * The group commit against PostgreSQL: statements on one key that arrive together commit in one
 * transaction, yet each caller gets its own result, only its own failure, and nothing before the
 * commit; statements on other keys do not wait for them; a connection lost mid-batch fails the
 * batch and commits none of it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import type pg from 'pg';
import { createGroupCommit } from '../../src/db/group-commit.ts';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { isDependencyUnavailable } from '../../src/dependency-errors.ts';
import { useTestTracing } from '../telemetry/test-tracing.ts';
import { databaseUrl, needsRealPostgres, silentLogger } from '../helpers.ts';

const tracing = useTestTracing();

describe('group commit', () => {
  let pool: Pool;
  // A table of its own: test files run in parallel against one database.
  const table = `group_commit_probe_${randomBytes(4).toString('hex')}`;

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: false }, silentLogger);
    await pool.query(`create table ${table} (k integer primary key, v integer not null check (v >= 0))`);
  });

  after(async () => {
    await pool?.query(`drop table if exists ${table}`);
    await pool?.end();
  });

  const insert = (k: number, v = k): pg.QueryConfig => ({
    text: `insert into ${table} (k, v) values ($1, $2) returning k, txid_current()::text as tx`,
    values: [k, v],
  });
  const keys = async (from: number, to: number) =>
    (await pool.query<{ k: number }>(`select k from ${table} where k between $1 and $2 order by k`, [from, to])).rows.map((row) => row.k);
  const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);

  it('commits the statements on one key that queued together in one transaction each, at most maxBatch, and returns each caller its own rows', async () => {
    const statements = createGroupCommit(pool, { maxBatch: 8 });
    const results = await Promise.all(range(0, 20).map((k) => statements.query<{ k: number; tx: string }>('one', insert(k))));
    assert.deepEqual(
      results.map((result) => result.rows[0]?.k),
      range(0, 20),
    );
    // The first found its key free and ran alone; the others queued behind it, 8 at a time.
    const transactionSizes = [...Map.groupBy(results, (result) => result.rows[0]!.tx).values()].map((group) => group.length);
    assert.deepEqual(transactionSizes, [1, 8, 8, 3]);
    assert.deepEqual(await keys(0, 19), range(0, 20));
  });

  it(
    'runs statements on other keys beside a busy key, and those on the busy key after it, in order',
    { skip: needsRealPostgres('a lock held by one connection against another') },
    async () => {
      const statements = createGroupCommit(pool);
      const holder = await pool.connect();
      const lock = Math.floor(Math.random() * 2 ** 31);
      try {
        await holder.query('select pg_advisory_lock($1)', [lock]);
        const settled: number[] = [];
        const track = (k: number, statement: pg.QueryConfig) => statements.query('busy', statement).then(() => settled.push(k));
        const blocked = track(400, { text: 'select pg_advisory_lock_shared($1), pg_advisory_unlock_shared($1)', values: [lock] });
        const behind = [track(401, insert(401)), track(402, insert(402))];
        assert.equal((await statements.query<{ k: number }>('other', insert(403))).rows[0]?.k, 403);
        assert.deepEqual(settled, []);
        await holder.query('select pg_advisory_unlock($1)', [lock]);
        await Promise.all([blocked, ...behind]);
        assert.deepEqual(settled, [400, 401, 402]);
        assert.deepEqual(await keys(400, 403), [401, 402, 403]);
      } finally {
        holder.release();
      }
    },
  );

  it('fails only the statement at fault: the rest of its batch commits', async () => {
    const statements = createGroupCommit(pool);
    const outcomes = await Promise.allSettled(range(100, 10).map((k) => statements.query('one', insert(k, k === 105 ? -1 : k))));
    const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [[index + 100, (outcome.reason as { code?: string }).code]] : []));
    assert.deepEqual(failed, [[105, '23514']]);
    assert.deepEqual(
      await keys(100, 109),
      range(100, 10).filter((k) => k !== 105),
    );
  });

  it(
    'fails every statement of a batch whose connection is lost, and commits none of them',
    { skip: needsRealPostgres('a connection terminated by the server') },
    async () => {
      const statements = createGroupCommit(pool);
      const first = statements.query('one', { text: 'select pg_sleep(0.05)' });
      const batch = [
        statements.query('one', insert(200)),
        statements.query('one', { text: 'select pg_terminate_backend(pg_backend_pid())' }),
        statements.query('one', insert(201)),
      ];
      await first;
      const outcomes = await Promise.allSettled(batch);
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status === 'rejected' && isDependencyUnavailable(outcome.reason)),
        [true, true, true],
      );
      assert.deepEqual(await keys(200, 201), []);
      // The key is free again, on a new connection.
      assert.equal((await statements.query<{ k: number }>('one', insert(202))).rows[0]?.k, 202);
    },
  );

  it("runs each statement in its caller's trace context", async () => {
    const seen: Array<[unknown, string | undefined]> = [];
    const record = (statement: unknown) => {
      if (typeof statement === 'object' && statement !== null && 'values' in statement) {
        seen.push([(statement as pg.QueryConfig).values?.[0], trace.getActiveSpan()?.spanContext().traceId]);
      }
    };
    const recording = {
      query: (statement: pg.QueryConfig) => (record(statement), pool.query(statement)),
      connect: async () => {
        const client = await pool.connect();
        return { query: (statement: pg.QueryConfig) => (record(statement), client.query(statement)), release: (error?: Error) => client.release(error) };
      },
    } as unknown as pg.Pool;
    const statements = createGroupCommit(recording);
    const callers = await Promise.all(
      range(300, 5).map((k) =>
        tracing.tracer.startActiveSpan(`caller ${k}`, async (span) => {
          await statements.query('one', insert(k));
          span.end();
          return [k, span.spanContext().traceId] as [number, string];
        }),
      ),
    );
    assert.deepEqual(seen, callers);
  });
});
