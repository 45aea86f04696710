/**
 * Applies the SQL files in migrations/ in name order, each in its own transaction, recording
 * them in schema_migrations. A PostgreSQL advisory lock serialises concurrent runners (several
 * replicas starting at once), so each migration is applied exactly once. An applied file that
 * was changed afterwards stops the runner: fix it with a new migration instead.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { SERVICE_NAME } from '../config.ts';
import type { Logger } from '../logger.ts';
import { packageRoot } from '../package-root.ts';

/** migrations/ at the package root, from src/ and from the bundled dist/ alike. */
export const MIGRATIONS_DIR = join(packageRoot(), 'migrations');

const MIGRATION_FILE = /^(\d+)_[a-z0-9_]+\.sql$/;

/** A stable signed 64-bit advisory-lock key derived from a name. */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(`${name}:migrations`).digest().readBigInt64BE(0).toString();
}

export interface MigrationOptions {
  pool: pg.Pool;
  logger: Pick<Logger, 'info'>;
  dir?: string;
  /** Table that records applied migrations. */
  table?: string;
  lockKey?: string;
}

export interface Migration {
  version: string;
  file: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (!match?.[1]) throw new Error(`migration file name ${file} must look like 0001_description.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    if (migrations.some((migration) => migration.version === match[1])) {
      throw new Error(`two migration files share version ${match[1]}`);
    }
    migrations.push({ version: match[1], file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/** Applies pending migrations; returns the files it applied (empty when up to date). */
export async function runMigrations(options: MigrationOptions): Promise<string[]> {
  const table = options.table ?? 'schema_migrations';
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`invalid migrations table name ${table}`);
  const lockKey = options.lockKey ?? advisoryLockKey(SERVICE_NAME);
  const migrations = await loadMigrations(options.dir);
  const client = await options.pool.connect();
  try {
    // Migrations may legitimately run longer than the pool's statement timeout.
    await client.query('set statement_timeout = 0');
    await client.query('select pg_advisory_lock($1)', [lockKey]);
    await client.query(`create table if not exists ${table} (
      version text primary key,
      file text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
    const applied = new Map(
      (await client.query<{ version: string; checksum: string }>(`select version, checksum from ${table}`)).rows.map((row) => [row.version, row.checksum]),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`migration ${migration.file} was changed after it was applied; add a new migration instead`);
        }
        continue;
      }
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query(`insert into ${table} (version, file, checksum) values ($1, $2, $3)`, [migration.version, migration.file, migration.checksum]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`migration ${migration.file} failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      options.logger.info({ migration: migration.file }, 'migration applied');
      done.push(migration.file);
    }
    return done;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    // The session was altered (statement timeout); close it rather than return it to the pool.
    // Closing the session also releases the advisory lock should the unlock above have failed.
    client.release(true);
  }
}
