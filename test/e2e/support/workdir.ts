import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerCleanup } from './cleanup.js';

/**
 * A fresh work dir for one test (generated services go inside it), removed by cleanupAll().
 * Lives under os.tmpdir() (override with MICROFORGE_E2E_WORK_DIR), outside the repo so Jest's
 * crawler never sees generated package.json files. Mode 0755 (mkdtemp makes 0700), so uid 10001
 * can read what the hardened runner bind-mounts from it. Set MICROFORGE_E2E_KEEP=1 to keep it.
 */
export async function makeWorkDir(prefix = 'e2e'): Promise<string> {
  const base = process.env.MICROFORGE_E2E_WORK_DIR ?? os.tmpdir();
  const dir = await mkdtemp(path.join(base, `microforge-${prefix.replace(/[^\w.-]/g, '_')}-`));
  await chmod(dir, 0o755);
  registerCleanup(`work dir ${dir}`, async () => {
    if (process.env.MICROFORGE_E2E_KEEP === '1') {
      process.stderr.write(`e2e: keeping ${dir}\n`);
      return;
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  return dir;
}

/** npm (11) enables Node's compile cache in os.tmpdir(): a cache that every run reuses, not a leftover. */
const NPM_COMPILE_CACHE = 'node-compile-cache';

/**
 * A TMPDIR of its own for one run of a generated repo's tests, inside `parent` (a work dir), so
 * that what the run left behind can be listed: `leftovers()` names each entry still in it. A short
 * name: the embedded database's Unix socket lives below it, and socket paths end at 107 bytes.
 */
export async function isolatedTmpDir(parent: string): Promise<{ path: string; leftovers(): Promise<string[]> }> {
  const dir = await mkdtemp(path.join(parent, 'tmp-'));
  return { path: dir, leftovers: async () => (await readdir(dir)).filter((entry) => entry !== NPM_COMPILE_CACHE) };
}
