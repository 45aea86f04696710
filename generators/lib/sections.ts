/**
 * Sections: what a component brings to a file other components render (the README, CONTRIBUTING,
 * the decision records, the PrometheusRule, the overlays, the Dockerfile), kept in the
 * component's own folder instead of `{{#if storage…}}` blocks in the shared template.
 *
 * Convention: any template folder X (e.g. `storage/postgres`, `messaging/rabbitmq`,
 * `messaging/storage-postgres`, `kubernetes`) may hold `X/sections/<slot>.<ext>.hbs`. That folder
 * is never rendered as files; when X is rendered (it is one of an included component's
 * templateDirs or resourceTemplateDirs), each file joins the slot named by its file name up to the first dot. A shared
 * template names a slot:
 *
 *  - `{{> readme-configuration}}` on a line of its own: every contribution, in component order
 *    and then templateDirs order, concatenated as written (a file holds whole lines, final newline
 *    included) and indented like the tag;
 *  - `{{phrase "readme-egress"}}` inside a line: the same, each file without its final newline;
 *  - `{{#> slot}}…{{/slot}}` or `{{#phrase "slot"}}…{{/phrase}}`: the block's own text when nobody
 *    contributes (what the service says without that component).
 *
 * A slot nobody contributes to in this combination renders nothing; a slot no folder declares at
 * all is an error (a misspelt name must not vanish silently). Text that needs two choices goes in
 * the variant folder that already holds that pair's code (`messaging/storage-postgres`).
 */
import { posix } from 'node:path';
import { templateFiles, type TemplateFiles } from './template-files.js';

export const SECTIONS_FOLDER = 'sections';

/** `readme-configuration.md.hbs` → `readme-configuration`. */
export const slotOf = (fileName: string): string => fileName.split('.')[0] as string;

function sectionFiles(templateDir: string, files: TemplateFiles): string[] {
  return files.filesIn(posix.join(templateDir, SECTIONS_FOLDER));
}

/** Slot → section template paths (relative to templates/), in the order the folders are given. */
export function sectionsBySlot(templateDirs: readonly string[], files: TemplateFiles = templateFiles()): Map<string, string[]> {
  const slots = new Map<string, string[]>();
  for (const slot of declaredSlots(files)) slots.set(slot, []);
  for (const templateDir of templateDirs) {
    for (const path of sectionFiles(templateDir, files)) slots.get(slotOf(posix.basename(path)))?.push(path);
  }
  return slots;
}

const declared = new WeakMap<TemplateFiles, ReadonlySet<string>>();

/** Every slot some template folder contributes to, in any combination (folders one or two levels under templates/). */
export function declaredSlots(files: TemplateFiles = templateFiles()): ReadonlySet<string> {
  let slots = declared.get(files);
  if (!slots) {
    const found = new Set<string>();
    const visit = (templateDir: string, depth: number): void => {
      for (const path of sectionFiles(templateDir, files)) found.add(slotOf(posix.basename(path)));
      if (depth === 0) return;
      for (const folder of files.foldersIn(templateDir)) if (posix.basename(folder) !== SECTIONS_FOLDER) visit(folder, depth - 1);
    };
    for (const folder of files.foldersIn('')) visit(folder, 1);
    slots = found;
    declared.set(files, slots);
  }
  return slots;
}
