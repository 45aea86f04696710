/**
 * An embedded PostgreSQL for development and tests: PGlite (PostgreSQL compiled to WebAssembly)
 * served over the PostgreSQL wire protocol on a Unix socket, so the service reaches it through
 * the same pg.Pool, SQL and migrations as a real server. Production never loads this module: the
 * configuration requires DATABASE_URL there, src/db/database.ts imports this file dynamically
 * and only when it is needed, and its packages are devDependencies the image does not install.
 *
 * PGlite is one PostgreSQL session; src/db/embedded-server.ts lends it to one connection at a
 * time for a whole unit of work (a transaction, or a statement outside one), so connections
 * neither interleave nor share prepared statements, and notifications reach their listeners.
 * What still differs from a server (session settings, advisory locks, one transaction at a
 * time) is in docs/adr/0006-embedded-development-database.md.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { socketUrl } from './database.ts';
import { serveEmbeddedDatabase } from './embedded-server.ts';

/** The file name PostgreSQL clients look for in a socket directory (port 5432). */
export const SOCKET_FILE = '.s.PGSQL.5432';

export interface EmbeddedDatabaseOptions {
  /** Where the data lives between runs; undefined keeps it in memory, gone when the process exits. */
  dataDir: string | undefined;
  /** A directory of its own to put the Unix socket in. */
  socketDir: string;
  /**
   * Longest a connection waits while another one holds the session (an open transaction) before
   * its statement fails with a message that says so; default 15 s.
   */
  waitTimeoutMs?: number;
}

export interface EmbeddedDatabase {
  /** A postgres:// URL for pg and the service's DATABASE_URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const releaseLock = options.dataDir === undefined ? () => undefined : lockDataDir(options.dataDir);
  try {
    const db = await PGlite.create({ dataDir: options.dataDir ?? 'memory://' });
    let server: Awaited<ReturnType<typeof serveEmbeddedDatabase>>;
    try {
      server = await serveEmbeddedDatabase({ db, path: join(options.socketDir, SOCKET_FILE), waitTimeoutMs: options.waitTimeoutMs ?? 15_000 });
    } catch (error) {
      await db.close();
      throw error;
    }
    return {
      url: socketUrl(options.socketDir),
      async stop() {
        try {
          await server.stop();
          await db.close();
        } finally {
          releaseLock();
          rmSync(options.socketDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * PGlite does not stop a second process from opening the same data directory, and two writers
 * would corrupt it: a lock file next to it records the owner's pid. A lock whose process is
 * gone (killed, crashed) is taken over. Returns the function that releases it.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  mkdirSync(dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
        throw new Error(`the embedded database in ${dataDir} is in use by process ${owner}; stop it, or set DATABASE_URL`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`cannot lock the embedded database in ${dataDir} (${lockFile})`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
