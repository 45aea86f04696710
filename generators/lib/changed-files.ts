import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderedTree } from './render.js';

/**
 * The files of a rendered tree that differ from what is on disk under `root`: generating again
 * with the same choices must not touch a file, not even its mtime.
 */
export function changedFiles(tree: RenderedTree, root: string): Array<[absolutePath: string, contents: Buffer]> {
  return [...tree].flatMap(([path, contents]) => {
    const destination = join(root, path);
    return existsSync(destination) && readFileSync(destination).equals(contents) ? [] : [[destination, contents] as [string, Buffer]];
  });
}
