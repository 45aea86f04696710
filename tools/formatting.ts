/**
 * The rendered repos are already formatted: prettier, with the generated repo's own .prettierrc.json
 * and .prettierignore, changes nothing in them. Formatting at generation time would cost seconds per
 * repo; keeping the templates in prettier's shape costs nothing at run time, and this check keeps them so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import * as prettier from 'prettier';
import type { RenderedTree } from '../generators/lib/render.js';

export interface FormattingDifference {
  /** The first tree's path holding these bytes. */
  path: string;
  /** 1-based line of the first difference, what the repo has there and what prettier would make of it. */
  line: number;
  rendered: string;
  formatted: string;
}

function firstDifference(rendered: string, formatted: string): Omit<FormattingDifference, 'path'> {
  const a = rendered.split('\n');
  const b = formatted.split('\n');
  let index = 0;
  while (index < a.length && a[index] === b[index]) index += 1;
  return { line: index + 1, rendered: a[index] ?? '(end of file)', formatted: b[index] ?? '(end of file)' };
}

const text = (tree: RenderedTree, path: string): string => {
  const contents = tree.get(path);
  if (!contents) throw new Error(`the rendered repo has no ${path}`);
  return contents.toString('utf8');
};

/** Every file prettier would change in these trees (each distinct content checked once). */
export async function formattingDifferences(trees: Iterable<RenderedTree>): Promise<FormattingDifference[]> {
  const differences: FormattingDifference[] = [];
  const seen = new Set<string>();
  // Asking prettier is slow next to formatting; the answers depend on the settings files and the path
  // (or, for the options, the extension: the overrides match by file name), so each is asked once.
  const ignored = new Map<string, boolean>();
  const options = new Map<string, prettier.Options | null>();
  let settings = '';
  // prettier reads the settings from disk: one scratch folder holding the repo's own.
  const scratch = mkdtempSync(join(tmpdir(), 'microforge-format-'));
  try {
    for (const tree of trees) {
      const files = ['.prettierrc.json', '.prettierignore', '.editorconfig'] as const;
      const treeSettings = files.map((file) => text(tree, file)).join('\0');
      if (treeSettings !== settings) {
        files.forEach((file) => writeFileSync(join(scratch, file), text(tree, file)));
        await prettier.clearConfigCache();
        ignored.clear();
        options.clear();
        settings = treeSettings;
      }
      for (const [path, contents] of tree) {
        const source = contents.toString('utf8');
        const key = `${path}\0${source}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (!ignored.has(path)) {
          const info = await prettier.getFileInfo(join(scratch, path), { ignorePath: join(scratch, '.prettierignore') });
          ignored.set(path, info.ignored || info.inferredParser === null);
        }
        if (ignored.get(path)) continue;
        const extension = extname(path) || basename(path);
        if (!options.has(extension)) options.set(extension, await prettier.resolveConfig(join(scratch, path), { editorconfig: true }));
        const formatted = await prettier.format(source, { ...options.get(extension), filepath: path });
        if (formatted !== source) differences.push({ path, ...firstDifference(source, formatted) });
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return differences;
}
