// Fixed locations the e2e support relies on. Resolved from this file, so they hold for both the
// sources (test/e2e/support) and the compiled tests (dist/test/e2e/support).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'create-microforge') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`e2e support: no create-microforge package.json above ${start}`);
    dir = parent;
  }
}

/** The microforge repository root (holds package.json, dist/, scripts/, .cache/). */
export const REPO_ROOT: string = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The built CLI entry point: the bundle the npm package ships (package.json bin). */
export const CLI_PATH: string = path.join(REPO_ROOT, 'dist', 'bundle', 'microforge.js');
/** Provisions an official Node (default: the generated services' version) and prints its bin dir. */
export const ENSURE_NODE_SCRIPT: string = path.join(REPO_ROOT, 'scripts', 'ensure-node.sh');
