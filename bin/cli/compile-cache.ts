/**
 * Node 22.1+ caches compiled code on disk, so later runs skip most of the parsing and compiling
 * (module.enableCompileCache, meant for CLIs). The cache lives in the user's cache
 * (userCacheDir()/compile-cache), not Node's default under os.tmpdir(), which is shared by every
 * user of the machine (another user's directory there makes it fail, and anyone can write into
 * it). A cache is only a speed-up: a directory that cannot be created or written falls back to
 * Node's default, and any failure leaves the CLI running without a cache, silently.
 */
import module from 'node:module';
import { join } from 'node:path';
import { userCacheDir } from '../../generators/lib/user-cache.js';

interface CompileCacheApi {
  enableCompileCache?(directory?: string): { status: number };
  constants?: { compileCacheStatus?: { FAILED: number } };
}

export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const api = module as unknown as CompileCacheApi;
  if (!api.enableCompileCache) return;
  try {
    const { status } = api.enableCompileCache(join(userCacheDir(env), 'compile-cache'));
    if (status === api.constants?.compileCacheStatus?.FAILED) api.enableCompileCache();
  } catch {
    // No cache: the CLI runs as it would on a Node without one.
  }
}
