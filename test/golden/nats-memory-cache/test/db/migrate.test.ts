import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { advisoryLockKey, loadMigrations, runMigrations } from '../../src/db/migrate.ts';
import { databaseUrl, needsRealPostgres, silentLogger } from '../helpers.ts';

// Tables of their own, so this file never interferes with other test files or with reruns.
const suffix = randomBytes(4).toString('hex');
const historyTable = `schema_migrations_test_${suffix}`;
const dataTable = `migration_test_${suffix}`;
const lockKey = advisoryLockKey(`test-${suffix}`);

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'orders-migrations-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const first = {
  '0001_create.sql': `create table ${dataTable} (id serial primary key, note text not null);`,
  '0002_seed.sql': `insert into ${dataTable} (note) values ('seeded');`,
};

describe('runMigrations', () => {
  let pool: pg.Pool;

  before(() => {
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 8 });
  });

  after(async () => {
    await pool.query(`drop table if exists ${dataTable}, ${historyTable}`);
    await pool.end();
  });

  // On the embedded database the runners would share one session, whose advisory lock excludes nothing;
  // there only one process can open the data, so concurrent runners cannot happen.
  it('applies each migration exactly once when several runners start together', { skip: needsRealPostgres('advisory locks between runners') }, async () => {
    const dir = migrationsDir(first);
    const runs = await Promise.all(Array.from({ length: 5 }, () => runMigrations({ pool, logger: silentLogger, dir, table: historyTable, lockKey })));
    assert.deepEqual(runs.flat().sort(), ['0001_create.sql', '0002_seed.sql'], 'every file applied by exactly one runner');
    const seeded = await pool.query(`select note from ${dataTable}`);
    assert.deepEqual(seeded.rows, [{ note: 'seeded' }]);
    const history = await pool.query(`select version, file from ${historyTable} order by version`);
    assert.deepEqual(history.rows, [
      { version: '0001', file: '0001_create.sql' },
      { version: '0002', file: '0002_seed.sql' },
    ]);
    assert.deepEqual(await runMigrations({ pool, logger: silentLogger, dir, table: historyTable, lockKey }), []);
  });

  it('applies pending migrations in order, then nothing', async () => {
    const dir = migrationsDir(first);
    // The test before may have applied them already (it is skipped on the embedded database).
    await runMigrations({ pool, logger: silentLogger, dir, table: historyTable, lockKey });
    assert.deepEqual(await runMigrations({ pool, logger: silentLogger, dir, table: historyTable, lockKey }), []);
    assert.deepEqual((await pool.query(`select note from ${dataTable}`)).rows, [{ note: 'seeded' }]);
    const history = await pool.query(`select file from ${historyTable} order by version`);
    assert.deepEqual(history.rows, [{ file: '0001_create.sql' }, { file: '0002_seed.sql' }]);
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const dir = migrationsDir({
      ...first,
      '0003_broken.sql': `insert into ${dataTable} (note) values ('half'); select * from no_such_table_${suffix};`,
    });
    await assert.rejects(
      runMigrations({ pool, logger: silentLogger, dir, table: historyTable, lockKey }),
      /^Error: migration 0003_broken\.sql failed: relation "no_such_table_/,
    );
    assert.equal((await pool.query(`select 1 from ${dataTable} where note = 'half'`)).rowCount, 0);
    assert.equal((await pool.query(`select 1 from ${historyTable} where version = '0003'`)).rowCount, 0);
  });

  it('refuses to run when an applied migration was changed', async () => {
    const dir = migrationsDir({ ...first, '0002_seed.sql': `insert into ${dataTable} (note) values ('edited');` });
    await assert.rejects(runMigrations({ pool, logger: silentLogger, dir, table: historyTable, lockKey }), /migration 0002_seed\.sql was changed after it was applied/);
  });

  it('rejects badly named migration files', async () => {
    await assert.rejects(loadMigrations(migrationsDir({ 'create-things.sql': 'select 1;' })), /must look like 0001_description\.sql/);
  });

  it("finds the service's own migrations", async () => {
    const migrations = await loadMigrations();
    assert.ok(migrations.some((migration) => migration.file === '0001_create_orders.sql'));
  });

  it('derives a stable lock key per name', () => {
    assert.equal(advisoryLockKey('orders'), advisoryLockKey('orders'));
    assert.notEqual(advisoryLockKey('orders'), advisoryLockKey('another-service'));
    assert.match(advisoryLockKey('orders'), /^-?\d+$/);
  });
});
