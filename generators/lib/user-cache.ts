import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where microforge keeps what it fetches and caches: $XDG_CACHE_HOME/microforge, else ~/.cache/microforge. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'microforge');
}
