/**
 * Fragments: the parts of a shared file a component writes. A component names folders
 * (`fragmentDirs`) holding one `<slot>.hbs` per slot it fills; each renders with the repo's
 * context, and the shared template puts the slot's fragments, in component order, where it says
 *
 *   {{#each fragments.<slot>}}
 *   {{this}}
 *   {{/each}}
 *
 * so the shared file never asks which component is present. A fragment that renders empty adds
 * nothing; its last newline is the one the loop writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { TEMPLATE_SUFFIX } from './compiled-templates.js';
import { TEMPLATES_ROOT } from './package-root.js';

/** Every slot a shared template offers, by the file it is in. */
export const FRAGMENT_SLOTS = [
  // src/config.ts
  'configHelpers',
  'configInterface',
  'configChecks',
  'configValues',
  'configFunctions',
  // test/config.test.ts
  'configTestDefaults',
  'configTestRejections',
  'configTests',
] as const;

export type FragmentSlot = (typeof FRAGMENT_SLOTS)[number];
export type Fragments = Record<FragmentSlot, string[]>;

const isSlot = (name: string): name is FragmentSlot => (FRAGMENT_SLOTS as readonly string[]).includes(name);

/** Renders the fragments of `fragmentDirs` (in order) with `render(templatePath, source)`. */
export function renderFragments(fragmentDirs: readonly string[], render: (templatePath: string, source: string) => string, templatesRoot: string = TEMPLATES_ROOT): Fragments {
  const fragments = Object.fromEntries(FRAGMENT_SLOTS.map((slot) => [slot, [] as string[]])) as Fragments;
  for (const dir of fragmentDirs) {
    for (const file of readdirSync(join(templatesRoot, dir)).sort()) {
      const slot = file.endsWith(TEMPLATE_SUFFIX) ? file.slice(0, -TEMPLATE_SUFFIX.length) : file;
      if (!isSlot(slot)) throw new Error(`${dir}/${file} is no fragment slot (generators/lib/fragments.ts lists them)`);
      const templatePath = posix.join(dir, file);
      const text = render(templatePath, readFileSync(join(templatesRoot, templatePath), 'utf8'));
      if (text !== '') fragments[slot].push(text.endsWith('\n') ? text.slice(0, -1) : text);
    }
  }
  return fragments;
}
