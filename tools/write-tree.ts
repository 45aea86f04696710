import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Replaces `into` with the rendered tree, file by file. */
export function writeTree(tree: ReadonlyMap<string, Buffer>, into: string): void {
  rmSync(into, { recursive: true, force: true });
  for (const [path, contents] of tree) {
    const target = join(into, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, contents);
  }
}
