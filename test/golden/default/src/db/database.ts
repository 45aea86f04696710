/**
 * Which PostgreSQL the service uses: the server DATABASE_URL names or, outside production when
 * it is unset, an embedded one (src/db/embedded.ts) so `npm run dev` needs no server. Either way
 * the rest of the service sees a URL and one pg.Pool: one code path, one set of migrations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { packageRoot } from '../package-root.ts';
import type { PoolSettings } from './pool.ts';

/** Where `npm run dev` keeps its data between restarts: `.data/pglite` at the package root. */
export const DEVELOPMENT_DATA_DIR = join(packageRoot(), '.data', 'pglite');

export interface SelectedDatabase {
  kind: 'server' | 'embedded';
  /** What the pool connects with: DATABASE_URL, or the embedded server's socket. */
  settings: PoolSettings;
  /** Starts the embedded server (nothing to do for a real one); before the first query. */
  start(): Promise<void>;
}

/**
 * Chooses the database and, for the embedded one, registers its closer now, so that shutdown
 * closes it after the pool (closers run newest first; register the pool's after this).
 */
export function selectDatabase(
  config: Pick<Config, 'database' | 'nodeEnv'>,
  logger: Pick<Logger, 'info' | 'warn'>,
  lifecycle: Pick<Lifecycle, 'registerCloser'>,
): SelectedDatabase {
  const { url, ...pool } = config.database;
  if (url !== undefined) return { kind: 'server', settings: { ...pool, url }, start: async () => undefined };
  // The configuration refuses this in production already; this guards against a caller that skipped it.
  if (config.nodeEnv === 'production') throw new Error('DATABASE_URL is required when NODE_ENV=production');

  // A short path of its own: Unix socket paths are limited to about 100 characters.
  const socketDir = mkdtempSync(join(tmpdir(), 'pglite-'));
  // Development keeps its data across restarts (node --watch restarts on every save); tests start empty.
  const dataDir = config.nodeEnv === 'development' ? DEVELOPMENT_DATA_DIR : undefined;
  let stop: (() => Promise<void>) | undefined;
  lifecycle.registerCloser({
    name: 'embedded postgres',
    close: async () => {
      if (stop) await stop();
      else rmSync(socketDir, { recursive: true, force: true });
    },
  });
  return {
    kind: 'embedded',
    settings: { ...pool, url: socketUrl(socketDir) },
    async start() {
      const started = performance.now();
      const embedded = await loadEmbedded();
      const database = await embedded.startEmbeddedDatabase({ dataDir, socketDir });
      stop = database.stop;
      logger.warn(
        // No credentials in this URL: it is a local socket of this process's own.
        { dataDir: dataDir ?? 'memory', startMs: Math.round(performance.now() - started), psql: `PGSSLMODE=disable psql '${database.url}'` },
        'DATABASE_URL is not set: using an embedded PostgreSQL (PGlite) for development; never in production',
      );
    },
  };
}

/**
 * The URL of the embedded server listening in `socketDir` (libpq's `host=` form, which pg
 * understands too). Here rather than in embedded.ts: the pool needs it before that module loads.
 */
export function socketUrl(socketDir: string): string {
  return `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
}

async function loadEmbedded(): Promise<typeof import('./embedded.ts')> {
  try {
    return await import('./embedded.ts');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('the embedded database needs the devDependency @electric-sql/pglite ' + '(run npm install), or set DATABASE_URL to a PostgreSQL server', {
        cause: error,
      });
    }
    throw error;
  }
}
