// Listing of a directory tree (type, size, mtime, mode) to prove a run wrote nothing there.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export type TreeSnapshot = Map<string, string>;

export interface TreeDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Relative path -> "type size mtimeMs mode" for every entry under root (symlinks not followed). */
export async function snapshotTree(root: string, opts: { ignore?: readonly string[] } = {}): Promise<TreeSnapshot> {
  const ignore = new Set(opts.ignore ?? []);
  const out: TreeSnapshot = new Map();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (ignore.has(child)) continue;
      const st = await lstat(path.join(root, child));
      const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : 'o';
      out.set(child, `${type} ${st.size} ${st.mtimeMs} ${(st.mode & 0o7777).toString(8)}`);
      if (st.isDirectory()) await walk(child);
    }
  };
  await walk('');
  return out;
}

export function diffTrees(before: TreeSnapshot, after: TreeSnapshot): TreeDiff {
  const diff: TreeDiff = { added: [], removed: [], changed: [] };
  for (const [p, v] of after) {
    const old = before.get(p);
    if (old === undefined) diff.added.push(p);
    else if (old !== v) diff.changed.push(p);
  }
  for (const p of before.keys()) if (!after.has(p)) diff.removed.push(p);
  return diff;
}

export function isEmptyDiff(d: TreeDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length === 0;
}
