import { chmod, mkdtemp, rm } from 'node:fs/promises';
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
