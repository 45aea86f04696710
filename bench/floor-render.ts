/**
 * The plain render floor: a bare Node process that loads only the renderer the package ships
 * (dist/bundle/renderer.js, with the precompiled templates) and writes what renderRepo(spec)
 * returns, file by file: no CLI parsing, prompts, staging, update plan, mem-fs or conflicter.
 * What `new` costs beyond it is the CLI around rendering. It uses the same compile cache
 * directory as the CLI (bin/cli/compile-cache.ts), so both read the same compiled code.
 * The bench checks that it writes exactly what `new` wrote (treeDifference).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServiceSpec } from '../generators/lib/spec.js';
import { userCacheDir } from '../generators/lib/user-cache.js';

/** The render floor's whole program for `spec`. Usage: node render-floor.mjs DIR */
export function renderFloorScript(rendererPath: string, spec: ServiceSpec, env: NodeJS.ProcessEnv = process.env): string {
  return `import module from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
module.enableCompileCache?.(${JSON.stringify(join(userCacheDir(env), 'compile-cache'))});
const { renderRepo } = await import(${JSON.stringify(pathToFileURL(rendererPath).href)});
const root = resolve(process.argv[2]);
const made = new Set();
for (const [path, contents] of renderRepo(${JSON.stringify(spec)})) {
  const file = join(root, path);
  const directory = dirname(file);
  if (!made.has(directory)) {
    mkdirSync(directory, { recursive: true });
    made.add(directory);
  }
  writeFileSync(file, contents);
}
`;
}
