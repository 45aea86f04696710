// A fresh PostgreSQL database per test run, on the machine's local server (trust auth).
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { registerCleanup } from './cleanup.js';

export const PG_HOST = process.env.MICROFORGE_E2E_PGHOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.MICROFORGE_E2E_PGPORT ?? 5432);
export const PG_USER = process.env.MICROFORGE_E2E_PGUSER ?? 'postgres';

export interface TestDatabase {
  /** postgres://postgres@127.0.0.1:5432/<name> */
  url: string;
  name: string;
  /** DROP DATABASE ... WITH (FORCE); idempotent, also run by cleanupAll(). */
  drop(): Promise<void>;
}

/** Run SQL with psql (-At: unaligned, tuples only) against a database; returns stdout trimmed. */
export async function psql(database: string, sql: string): Promise<string> {
  const r = await execa(
    'psql',
    ['-h', PG_HOST, '-p', String(PG_PORT), '-U', PG_USER, '-d', database, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { reject: false, stdin: 'ignore', env: { PGCONNECT_TIMEOUT: '5' }, timeout: 60_000 },
  );
  if (r.exitCode !== 0) throw new Error(`psql on ${database} failed (exit ${String(r.exitCode)}): ${r.stderr}\nSQL: ${sql}`);
  return r.stdout.trim();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Create an empty database named <prefix>_<pid>_<random>, dropped by drop() or cleanupAll(). */
export async function createTestDatabase(prefix = 'e2e'): Promise<TestDatabase> {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40) || 'e2e';
  const name = `${safe}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await psql('postgres', `CREATE DATABASE ${quoteIdent(name)}`);
  let dropped = false;
  const drop = registerCleanup(`database ${name}`, async () => {
    if (dropped) return;
    dropped = true;
    await psql('postgres', `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  });
  return { name, url: `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${name}`, drop };
}
