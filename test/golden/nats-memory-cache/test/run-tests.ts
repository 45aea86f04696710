/**
 * `npm test`: picks the database once for every test file, then runs them with Node's test
 * runner. With DATABASE_URL set the tests use that server; otherwise this process starts one
 * embedded PostgreSQL (PGlite, in memory) that every test file shares over its socket. Either
 * way the run says which, in its first line. Arguments replace the default file pattern:
 * `npm test -- test/db/migrate.test.ts`.
 *
 * A wrapper rather than `--test-global-setup`, which Node 22 (within this package's engines)
 * does not have.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedDatabase } from '../src/db/embedded.ts';
import '../src/development-env.ts';

const patterns = process.argv.length > 2 ? process.argv.slice(2) : ['test/**/*.test.ts'];
const env = { ...process.env };
let embedded: EmbeddedDatabase | undefined;

const url = env['DATABASE_URL'];
if (url !== undefined && url !== '') {
  const { host, pathname } = new URL(url);
  process.stdout.write(`database: the PostgreSQL server in DATABASE_URL (${host}${pathname})\n`);
} else {
  const started = performance.now();
  const { startEmbeddedDatabase } = await import('../src/db/embedded.ts');
  embedded = await startEmbeddedDatabase({ dataDir: undefined, socketDir: mkdtempSync(join(tmpdir(), 'pglite-')) });
  env['DATABASE_URL'] = embedded.url;
  // Read by test/helpers.ts (needsRealPostgres) to skip, with the reason, what only a real server shows.
  env['TEST_DATABASE_EMBEDDED'] = '1';
  process.stdout.write(
    `database: embedded PostgreSQL (PGlite, in memory, started in ${Math.round(performance.now() - started)} ms); ` + 'set DATABASE_URL to test against a real server\n',
  );
}

const runner = spawn(process.execPath, ['--test', '--test-concurrency=1', ...patterns], { env, stdio: 'inherit' });
// Ctrl-C reaches the runner too (same process group): wait for it, then stop the database.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => runner.kill(signal));
const [code, signal] = (await once(runner, 'exit')) as [number | null, NodeJS.Signals | null];
await embedded?.stop();
process.exitCode = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
