/**
 * A PostgreSQL connection that dies while its client is checked out (failover,
 * pg_terminate_backend, idle_in_transaction_session_timeout) must fail that one piece of work,
 * not the process: unhandled, the client's 'error' event is an uncaught exception.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createPool, type Pool } from '../../src/db/pool.ts';
import { databaseUrl, needsRealPostgres, silentLogger } from '../helpers.ts';

describe('pool: a connection killed under a checked-out client', { skip: needsRealPostgres('pg_terminate_backend of one session') }, () => {
  let pool: Pool;
  let admin: pg.Client;

  before(async () => {
    pool = createPool({ url: databaseUrl(), poolMax: 4, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000, migrateOnStart: false }, silentLogger);
    admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
  });

  after(async () => {
    await admin?.end();
    await pool?.end();
  });

  async function terminate(pid: number): Promise<void> {
    const { rows } = await admin.query<{ ok: boolean }>('select pg_terminate_backend($1) as ok', [pid]);
    assert.equal(rows[0]?.ok, true);
  }

  it('survives a session killed while idle in transaction, and the pool serves the next query', async () => {
    const client = await pool.connect();
    await client.query('begin');
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    await terminate(rows[0]!.pid);
    // No listener of the test's own: the client's 'error' event reaches only what the pool gave it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await assert.rejects(client.query('select 1'));
    client.release(true);
    const again = await pool.query<{ one: number }>('select 1 as one');
    assert.equal(again.rows[0]?.one, 1);
  });

  it('survives a session killed in the middle of a query: that query fails, nothing else', async () => {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const pid = rows[0]!.pid;
    // Handled from the start: the rejection may arrive before the test awaits it.
    const running = client.query('select pg_sleep(30)').then(
      () => 'finished',
      (error: Error) => error.message,
    );
    // Killed while the statement runs, not before it arrives.
    const active = async () => (await admin.query<{ state: string }>('select state from pg_stat_activity where pid = $1', [pid])).rows[0]?.state === 'active';
    const deadline = Date.now() + 20_000;
    while (!(await active())) {
      assert.ok(Date.now() < deadline, 'the pg_sleep statement never showed as active in pg_stat_activity');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await terminate(pid);
    assert.match(await running, /terminat/);
    client.release(true);
    assert.equal((await pool.query<{ one: number }>('select 1 as one')).rows[0]?.one, 1);
  });
});
