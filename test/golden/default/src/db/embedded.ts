/**
 * An embedded PostgreSQL for development and tests: PGlite (PostgreSQL compiled to WebAssembly)
 * served over the PostgreSQL wire protocol on a Unix socket, so the service reaches it through
 * the same pg.Pool, SQL and migrations as a real server. Production never loads this module: the
 * configuration requires DATABASE_URL there, src/db/database.ts imports this file dynamically
 * and only when it is needed, and its packages are devDependencies the image does not install.
 *
 * How it differs from a real server (docs/adr/0006-embedded-development-database.md): one
 * PostgreSQL session serves every connection, so statements of different connections take
 * turns and an open transaction holds the others back until it ends; advisory locks exclude
 * nothing (only one process can open the data anyway); LISTEN/NOTIFY does not reach clients;
 * per-connection settings (statement_timeout) are shared by all.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { socketUrl } from './database.ts';

/** The file name PostgreSQL clients look for in a socket directory (port 5432). */
export const SOCKET_FILE = '.s.PGSQL.5432';

export interface EmbeddedDatabaseOptions {
  /** Where the data lives between runs; undefined keeps it in memory, gone when the process exits. */
  dataDir: string | undefined;
  /** A directory of its own to put the Unix socket in. */
  socketDir: string;
  /** Client connections served at once (all multiplexed onto the one session). */
  maxConnections?: number;
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
    const server = new PGLiteSocketServer({
      db,
      path: join(options.socketDir, SOCKET_FILE),
      maxConnections: options.maxConnections ?? 64,
    });
    try {
      await server.start();
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
