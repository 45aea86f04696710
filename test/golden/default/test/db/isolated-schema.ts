/**
 * A PostgreSQL schema of its own for one test file, with every migration applied: test files
 * run in parallel against one database, and some of them empty the example table, so tests
 * that count rows or change the settings row work in a schema nobody else touches.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { advisoryLockKey, runMigrations } from '../../src/db/migrate.ts';
import { databaseUrl, silentLogger } from '../helpers.ts';

export interface IsolatedSchema {
  /** Connections whose search_path is the schema. */
  pool: pg.Pool;
  name: string;
  drop(): Promise<void>;
}

export async function isolatedSchema(label: string, poolMax = 8): Promise<IsolatedSchema> {
  const name = `test_${label}_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: poolMax, options: `-c search_path=${name}` });
  await pool.query(`create schema ${name}`);
  await runMigrations({ pool, logger: silentLogger, lockKey: advisoryLockKey(name) });
  return {
    pool,
    name,
    async drop() {
      await pool.query(`drop schema ${name} cascade`);
      await pool.end();
    },
  };
}
