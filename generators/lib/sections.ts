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
import { existsSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { TEMPLATES_ROOT } from './package-root.js';

export const SECTIONS_FOLDER = 'sections';

/** `readme-configuration.md.hbs` → `readme-configuration`. */
export const slotOf = (fileName: string): string => fileName.split('.')[0] as string;

function sectionFiles(templateDir: string, templatesRoot: string): string[] {
  const folder = join(templatesRoot, templateDir, SECTIONS_FOLDER);
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort()
    .map((name) => posix.join(templateDir, SECTIONS_FOLDER, name));
}

/** Slot → section template paths (relative to templates/), in the order the folders are given. */
export function sectionsBySlot(templateDirs: readonly string[], templatesRoot: string = TEMPLATES_ROOT): Map<string, string[]> {
  const slots = new Map<string, string[]>();
  for (const slot of declaredSlots(templatesRoot)) slots.set(slot, []);
  for (const templateDir of templateDirs) {
    for (const path of sectionFiles(templateDir, templatesRoot)) slots.get(slotOf(posix.basename(path)))?.push(path);
  }
  return slots;
}

const declared = new Map<string, ReadonlySet<string>>();

/** Every slot some template folder contributes to, in any combination (folders one or two levels under templates/). */
export function declaredSlots(templatesRoot: string = TEMPLATES_ROOT): ReadonlySet<string> {
  let slots = declared.get(templatesRoot);
  if (!slots) {
    const found = new Set<string>();
    const visit = (templateDir: string, depth: number): void => {
      for (const path of sectionFiles(templateDir, templatesRoot)) found.add(slotOf(posix.basename(path)));
      if (depth === 0) return;
      for (const entry of readdirSync(join(templatesRoot, templateDir), { withFileTypes: true })) {
        if (entry.isDirectory() && entry.name !== SECTIONS_FOLDER) visit(posix.join(templateDir, entry.name), depth - 1);
      }
    };
    for (const entry of readdirSync(templatesRoot, { withFileTypes: true })) if (entry.isDirectory()) visit(entry.name, 1);
    slots = found;
    declared.set(templatesRoot, slots);
  }
  return slots;
}
