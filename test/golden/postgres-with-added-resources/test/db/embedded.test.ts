/**
 * The zero-infrastructure path: without DATABASE_URL outside production, the real process runs
 * on an embedded PostgreSQL, migrates it and serves orders; and two processes never open
 * the same embedded data directory at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

describe('embedded database', () => {
  it('serves orders from an embedded PostgreSQL when DATABASE_URL is unset outside production', async (t) => {
    const port = await freePort();
    // NODE_ENV=test keeps the data in memory; development would use .data/pglite in this repo.
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'test',
        PORT: String(port),
        HOST: '127.0.0.1',
        SHUTDOWN_DRAIN_MS: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const base = `http://127.0.0.1:${port}`;

    let ready = false;
    for (let attempt = 0; attempt < 300 && !ready; attempt++) {
      ready = await fetch(`${base}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (!ready) await sleep(100);
    }
    assert.ok(ready, `the service did not become ready: ${output}`);
    const created = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'embedded', quantity: 2 }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${base}/orders/${id}`);
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { name: string }).name, 'embedded');

    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, output);
    const lines = output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; level: number });
    assert.ok(
      lines.some((line) => line.msg.startsWith('DATABASE_URL is not set: using an embedded PostgreSQL')),
      'says so in the log',
    );
  });

  it('gives each connection the session for a whole unit of work, as separate sessions would', async () => {
    const database = await startEmbeddedDatabase({ dataDir: undefined, socketDir: mkdtempSync(join(tmpdir(), 'pglite-')), waitTimeoutMs: 1_000 });
    const connect = async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      return client;
    };
    const [a, b] = await Promise.all([connect(), connect()]);
    try {
      // The same prepared statement name on two connections, and again after one reconnected.
      assert.deepEqual((await a.query({ name: 'same-name', text: 'select 1 as n' })).rows, [{ n: 1 }]);
      assert.deepEqual((await b.query({ name: 'same-name', text: 'select 2 as n' })).rows, [{ n: 2 }]);
      await a.end();
      const again = await connect();
      assert.deepEqual((await again.query({ name: 'same-name', text: 'select 3 as n' })).rows, [{ n: 3 }]);

      // Another connection's open transaction is invisible, and its statements do not join it.
      await again.query('create table units (n int)');
      await again.query('begin');
      await again.query('insert into units values (1)');
      const counted = b.query('select count(*)::int as n from units');
      await sleep(100);
      await again.query('rollback');
      assert.deepEqual((await counted).rows, [{ n: 0 }]);

      // A connection closed inside a transaction has it rolled back.
      await again.query('begin');
      await again.query('insert into units values (2)');
      await again.end();
      assert.deepEqual((await b.query('select count(*)::int as n from units')).rows, [{ n: 0 }]);

      // Notifications reach the connection that listens, not the one that committed.
      const listener = await connect();
      await listener.query('listen units_changed');
      const payload = new Promise((resolve) => listener.once('notification', (message) => resolve(message.payload)));
      await b.query("select pg_notify('units_changed', 'hello')");
      assert.equal(await payload, 'hello');

      // Waiting longer than the bound for another connection's transaction fails, saying why.
      await b.query('begin');
      await assert.rejects(listener.query('select 1'), /runs one transaction at a time/);
      await b.query('commit');
      assert.deepEqual((await listener.query('select 1 as n')).rows, [{ n: 1 }]);
      await listener.end();
    } finally {
      await b.end();
      await database.stop();
    }
  });

  it('refuses to open a data directory another process has open, and keeps its data', async (t) => {
    const parent = mkdtempSync(join(tmpdir(), 'orders-embedded-'));
    t.after(() => rmSync(parent, { recursive: true, force: true }));
    const dataDir = join(parent, 'pglite');
    const lock = `${dataDir}.lock`;
    const open = async () => {
      const socketDir = mkdtempSync(join(tmpdir(), 'pglite-'));
      try {
        return await startEmbeddedDatabase({ dataDir, socketDir });
      } catch (error) {
        rmSync(socketDir, { recursive: true, force: true });
        throw error;
      }
    };
    const query = async (url: string, sql: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };

    const first = await open();
    try {
      await query(first.url, "create table kept (note text); insert into kept values ('kept')");
      // Another live process holding the lock: the test runner, our parent.
      writeFileSync(lock, String(process.ppid));
      await assert.rejects(open(), new RegExp(`in use by process ${process.ppid}; stop it, or set DATABASE_URL$`));
      writeFileSync(lock, String(process.pid));
    } finally {
      await first.stop();
    }
    assert.equal(existsSync(lock), false, 'stopping releases the lock');

    // A lock left by a process that is gone (killed) is taken over.
    writeFileSync(lock, '2147483646');
    const second = await open();
    try {
      assert.deepEqual(await query(second.url, 'select note from kept'), [{ note: 'kept' }]);
    } finally {
      await second.stop();
    }
  });
});
