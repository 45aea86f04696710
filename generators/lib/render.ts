/**
 * render(spec) → an in-memory tree of the generated repo. Pure: the same spec gives the same
 * bytes, and nothing touches the disk except reading templates, so the whole choice matrix
 * renders in tests in milliseconds and a failure can never leave half a repo.
 */
import { posix } from 'node:path';
import { loadPrecompiledTemplates, templateFor, TEMPLATE_SUFFIX, type CompiledTemplate, type PrecompiledTemplates } from './compiled-templates.js';
import type { Component } from './component.js';
import { COMPONENTS } from './components.js';
import { SECTIONS_FOLDER, sectionsBySlot } from './sections.js';
import { contentHash, ownershipFor, type Ownership } from './ownership.js';
import { renderPackageJson } from './package-json.js';
import { GENERATOR_PACKAGE_NAME, GENERATOR_VERSION } from './package-root.js';
import { resourceContextFor } from './resource-context.js';
import { migrationPrefix } from './resource-spec.js';
import { CHOICE_KEYS, type ServiceSpec } from './spec.js';
import { templateContextFor, type TemplateContext } from './template-context.js';
import { templateFiles } from './template-files.js';

/** Repo-relative POSIX path → file contents. Keys are sorted. */
export type RenderedTree = ReadonlyMap<string, Buffer>;

const compiledTemplates = new Map<string, CompiledTemplate<object>>();
let precompiled: PrecompiledTemplates | undefined;

/** `key`'s template: precompiled at build time when the build saw this very source, else compiled once here. */
function compile(source: string, key: string): CompiledTemplate<object> {
  let template = compiledTemplates.get(key);
  if (!template) {
    precompiled ??= loadPrecompiledTemplates();
    template = templateFor<object>(key, source, precompiled);
    compiledTemplates.set(key, template);
  }
  return template;
}

/** The template folder's files to render (paths relative to templates/): all but its sections (sections.ts), which other templates include. */
function renderedFiles(templateDir: string): string[] {
  const sections = posix.join(templateDir, SECTIONS_FOLDER) + '/';
  return templateFiles()
    .filesUnder(templateDir)
    .filter((path) => !path.startsWith(sections));
}

/** What a template gets besides its context: the sections of the folders being rendered, as partials and the `phrase` helper. */
interface RuntimeOptions {
  partials: Record<string, (context: object, options?: SlotOptions) => string>;
  helpers: Record<string, (...args: never[]) => string>;
}

/** A slot's call: `fn` is the block's own text (`{{#> slot}}…{{/slot}}`, `{{#phrase "slot"}}…{{/phrase}}`), the fallback when nobody contributes. */
interface SlotOptions {
  data?: object;
  fn?: (context: object, options: { data?: object }) => string;
}

function sectionRuntime(templateDirs: readonly string[]): RuntimeOptions {
  const runtime: RuntimeOptions = { partials: {}, helpers: {} };
  const slots = sectionsBySlot(templateDirs);
  const renderSlot = (slot: string, context: object, options: SlotOptions | undefined, trimFinalNewline: boolean): string => {
    const paths = slots.get(slot);
    if (!paths) throw new Error(`no template folder has a section "${slot}"`);
    if (paths.length === 0 && options?.fn) return options.fn(context, { data: options.data });
    return paths
      .map((path) => {
        const template = compiledTemplates.get(path) ?? compile(templateFiles().read(path).toString('utf8'), path);
        const text = template(context, { data: options?.data, ...runtime });
        return trimFinalNewline && text.endsWith('\n') ? text.slice(0, -1) : text;
      })
      .join('');
  };
  for (const slot of slots.keys()) runtime.partials[slot] = (context, options) => renderSlot(slot, context, options, false);
  runtime.helpers.phrase = function (this: object, slot: string, options: SlotOptions) {
    return renderSlot(slot, this, options, true);
  } as never;
  return runtime;
}

/** `_gitignore` → `.gitignore`; `__tests__` stays as it is. */
function dotfileSegment(segment: string): string {
  return /^_[A-Za-z]/.test(segment) ? `.${segment.slice(1)}` : segment;
}

export function outputPathFor(templatePath: string, context: object): string {
  const withoutSuffix = templatePath.endsWith(TEMPLATE_SUFFIX) ? templatePath.slice(0, -TEMPLATE_SUFFIX.length) : templatePath;
  return withoutSuffix
    .split('/')
    .map((segment) => dotfileSegment(segment.includes('{{') ? compile(segment, `path:${segment}`)(context) : segment))
    .join('/');
}

/** Renders one template folder into `into`; returns the paths it rendered. */
function renderTemplateDir(templateDir: string, context: object, into: Map<string, Buffer>, owner: Map<string, string>, runtime: RuntimeOptions): string[] {
  const rendered: string[] = [];
  for (const path of renderedFiles(templateDir)) {
    const templatePath = path.slice(templateDir.length + 1);
    const outputPath = outputPathFor(templatePath, context);
    const previousOwner = owner.get(outputPath);
    if (previousOwner) {
      throw new Error(`templates ${previousOwner} and ${templateDir} both render ${outputPath}`);
    }
    owner.set(outputPath, templateDir);
    rendered.push(outputPath);
    const bytes = templateFiles().read(path);
    into.set(outputPath, path.endsWith(TEMPLATE_SUFFIX) ? Buffer.from(compile(bytes.toString('utf8'), path)(context, runtime), 'utf8') : bytes);
  }
  return rendered;
}

/** What the repo records of its last generation, for `add` and `upgrade` to read back. */
export interface GenerationRecord {
  spec: ServiceSpec;
  generatorVersion: string;
  /** Every file written, with its owner and the hash of the content as rendered. */
  files: Record<string, { owner: Ownership; sha256: string }>;
}

/** The `.yo-rc.json` of a generated repo: the choices under Yeoman's usual key, plus the file record. */
export function renderYoRc(record: GenerationRecord): string {
  const choices: Record<string, unknown> = Object.fromEntries(CHOICE_KEYS.map((key) => [key, record.spec[key]]));
  if (record.spec.resources?.length) choices.resources = record.spec.resources;
  if (record.spec.packageManager !== undefined) choices.packageManager = record.spec.packageManager;
  if (record.spec.cliDependency) choices.cliDependency = true;
  return `${JSON.stringify({ [GENERATOR_PACKAGE_NAME]: { ...choices, generatorVersion: record.generatorVersion, files: record.files } }, null, 2)}\n`;
}

export const YO_RC_PATH = '.yo-rc.json';

/** The components `spec` includes, in render order, out of `components` (every one there is unless given). */
export function componentsFor(spec: ServiceSpec, components: readonly Component[] = COMPONENTS): Component[] {
  return components.filter((component) => component.includedIn(spec));
}

/** Renders with this package's templates; `generatorVersion` is what the repo records. */
const sortedTree = (files: Map<string, Buffer>): RenderedTree => new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Template folders rendered with a context as given: for files outside a full repo (adopting a service). */
export function renderTemplateDirs(templateDirs: readonly string[], context: TemplateContext): RenderedTree {
  const files = new Map<string, Buffer>();
  const owner = new Map<string, string>();
  const runtime = sectionRuntime(templateDirs);
  for (const templateDir of templateDirs) renderTemplateDir(templateDir, context, files, owner, runtime);
  return sortedTree(files);
}

const MIGRATION_NUMBER = /^migrations\/(\d+)_/;
const numberOfMigration = (path: string): number | undefined => {
  const digits = MIGRATION_NUMBER.exec(path)?.[1];
  return digits === undefined ? undefined : Number(digits);
};

/**
 * A migration a newer microforge ships may carry a number a resource's migration already has
 * (the resource was added, and numbered after the last migration, before that release). Two
 * files with one number would stop the service (src/db/migrate.ts refuses them), and the
 * resource's number is applied already, so the template migration moves to the smallest free
 * number above its own. Resources added later are numbered after everything rendered, so they
 * never take that slot: the move is the same on every render.
 */
function moveMigrationsOffResourceNumbers(files: Map<string, Buffer>, resourceMigrations: ReadonlySet<string>): void {
  const taken = new Set([...files.keys()].map(numberOfMigration).filter((number) => number !== undefined));
  const resourceNumbers = new Set([...resourceMigrations].map(numberOfMigration));
  const templateMigrations = [...files.keys()].filter((path) => !resourceMigrations.has(path) && numberOfMigration(path) !== undefined).sort();
  for (const path of templateMigrations) {
    const number = numberOfMigration(path) as number;
    if (!resourceNumbers.has(number)) continue;
    let free = number + 1;
    while (taken.has(free)) free += 1;
    taken.add(free);
    const contents = files.get(path) as Buffer;
    files.delete(path);
    files.set(path.replace(MIGRATION_NUMBER, `migrations/${migrationPrefix(free)}_`), contents);
  }
}

/** `allComponents`: every component the repo may have, in render order (generators/lib/components.ts unless given). */
export function renderRepo(spec: ServiceSpec, generatorVersion: string = GENERATOR_VERSION, allComponents: readonly Component[] = COMPONENTS): RenderedTree {
  const context = templateContextFor(spec, generatorVersion, allComponents);
  const files = new Map<string, Buffer>();
  const owner = new Map<string, string>();
  const components = componentsFor(spec, allComponents);
  const resourceMigrations = new Set<string>();
  const runtime = sectionRuntime(components.flatMap((component) => [...component.templateDirs(spec), ...(component.resourceTemplateDirs?.(spec) ?? [])]));
  for (const component of components) {
    for (const templateDir of component.templateDirs(spec)) renderTemplateDir(templateDir, context, files, owner, runtime);
    for (const resource of spec.resources ?? []) {
      const resourceContext = resourceContextFor(context, resource);
      for (const templateDir of component.resourceTemplateDirs?.(spec) ?? []) {
        for (const path of renderTemplateDir(templateDir, resourceContext, files, owner, runtime)) if (numberOfMigration(path) !== undefined) resourceMigrations.add(path);
      }
    }
  }
  const contributions = components.flatMap((component) => (component.packageJson ? [component.packageJson(context)] : []));
  for (const path of ['package.json', YO_RC_PATH]) {
    if (files.has(path)) throw new Error(`${owner.get(path)} renders ${path}, which microforge assembles itself`);
  }
  files.set('package.json', Buffer.from(renderPackageJson(context, contributions), 'utf8'));
  moveMigrationsOffResourceNumbers(files, resourceMigrations);
  const sorted = new Map(sortedTree(files));
  const ownershipOf = ownershipFor(components, context);
  const record: GenerationRecord = {
    spec,
    generatorVersion,
    files: Object.fromEntries([...sorted].map(([path, contents]) => [path, { owner: ownershipOf(path), sha256: contentHash(contents) }])),
  };
  sorted.set(YO_RC_PATH, Buffer.from(renderYoRc(record), 'utf8'));
  return sortedTree(sorted);
}
