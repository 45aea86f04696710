/**
 * Runs once before every test file (`node --test --test-global-setup`): the tests use the
 * PostgreSQL server in DATABASE_URL when it is set, and otherwise start one embedded PostgreSQL
 * (PGlite, in memory) that every test file shares. Either way the run says which, in one line.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedDatabase } from '../src/db/embedded.ts';

/** Set for the test files when they run on the embedded database (see helpers.ts). */
export const EMBEDDED_MARKER = 'TEST_DATABASE_EMBEDDED';

let embedded: EmbeddedDatabase | undefined;

export async function globalSetup(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (url !== undefined && url !== '') {
    const { host, pathname } = new URL(url);
    process.stdout.write(`database: the PostgreSQL server in DATABASE_URL (${host}${pathname})\n`);
    return;
  }
  const started = performance.now();
  const { startEmbeddedDatabase } = await import('../src/db/embedded.ts');
  embedded = await startEmbeddedDatabase({ dataDir: undefined, socketDir: mkdtempSync(join(tmpdir(), 'pglite-')) });
  process.env['DATABASE_URL'] = embedded.url;
  process.env[EMBEDDED_MARKER] = '1';
  process.stdout.write(
    `database: embedded PostgreSQL (PGlite, in memory, started in ${Math.round(performance.now() - started)} ms); ` +
      'set DATABASE_URL to test against a real server\n',
  );
}

export async function globalTeardown(): Promise<void> {
  await embedded?.stop();
}
