/**
 * The generation floor: a bare Node process that writes, from memory, exactly the files
 * `microforge new` wrote (same paths, bytes and modes) — no templates, no rendering, no CLI.
 * What `new` costs beyond it is process start, module loading and rendering. The bench builds the
 * floor's script from a real `microforge new` output (floorScript) and checks that the floor
 * writes the same tree (sameTree).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface TreeFile {
  path: string;
  contents: Buffer;
  /** Permission bits. */
  mode: number;
}

/** Every file under `root`, sorted by path (directories are implied by the paths). */
export function readTree(root: string): TreeFile[] {
  const files: TreeFile[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push({ path: relative(root, path), contents: readFileSync(path), mode: statSync(path).mode & 0o777 });
    }
  };
  walk(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The floor's whole program: the files as one JSON literal (text as UTF-8, anything else as
 * base64), parsed once, then each directory created once and each file written with its mode.
 * Usage: node floor.mjs DIR
 */
export function floorScript(files: readonly TreeFile[]): string {
  const entries = files.map((file) => {
    const text = file.contents.toString('utf8');
    const binary = !Buffer.from(text, 'utf8').equals(file.contents);
    return [file.path, binary ? file.contents.toString('base64') : text, file.mode, binary ? 1 : 0];
  });
  return `import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
const root = resolve(process.argv[2]);
const files = JSON.parse(${JSON.stringify(JSON.stringify(entries))});
const made = new Set();
for (const [path, contents, mode, binary] of files) {
  const file = join(root, path);
  const directory = dirname(file);
  if (!made.has(directory)) {
    mkdirSync(directory, { recursive: true });
    made.add(directory);
  }
  writeFileSync(file, binary ? Buffer.from(contents, 'base64') : contents, { mode });
}
`;
}

/** Why two trees differ, or undefined when they hold the same paths, bytes and modes. */
export function treeDifference(expected: readonly TreeFile[], actual: readonly TreeFile[]): string | undefined {
  const byPath = new Map(actual.map((file) => [file.path, file]));
  for (const file of expected) {
    const other = byPath.get(file.path);
    if (!other) return `${file.path} is missing`;
    if (!other.contents.equals(file.contents)) return `${file.path} differs`;
    if (other.mode !== file.mode) return `${file.path} has mode ${other.mode.toString(8)}, not ${file.mode.toString(8)}`;
    byPath.delete(file.path);
  }
  const extra = [...byPath.keys()][0];
  return extra === undefined ? undefined : `${extra} is extra`;
}
