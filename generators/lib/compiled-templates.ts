/**
 * The templates, precompiled when microforge is built (Handlebars.precompile, by
 * generators/compile-templates.ts into dist/bundle/compiled-templates.cjs, shipped beside the
 * bundle), so a `microforge`
 * process does not load Handlebars' compiler and parse and compile some 80 templates every time:
 * that was about 270 ms of CPU, most of what rendering a repo costs in a fresh process (the
 * compiler stays in the bundle for templates the build did not see). Each entry
 * carries the sha256 of the source it was compiled from; a template that is not in the file, or
 * was edited after the build, is compiled at run time as before, so a stale file never renders
 * stale output.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import Handlebars from 'handlebars';
import { PACKAGE_ROOT, TEMPLATES_ROOT } from './package-root.js';

type HandlebarsModule = typeof Handlebars;
/** Runtime options carry the sections of the folders being rendered (sections.ts). */
export type CompiledTemplate<T> = (context: T, options?: Handlebars.RuntimeOptions) => string;

/** strict: a misspelt variable is an error at render time, not an empty string in the output. */
export const TEMPLATE_OPTIONS = { noEscape: true, strict: true } as const;
export const TEMPLATE_SUFFIX = '.hbs';
export const COMPILED_TEMPLATES_PATH = join(PACKAGE_ROOT, 'dist', 'bundle', 'compiled-templates.cjs');

// Not named `require`: the bundle's banner declares one at the top of the same scope.
const requireFile = createRequire(import.meta.url);

type TemplateSpecification = Parameters<HandlebarsModule['template']>[0];

export interface PrecompiledTemplate {
  sha256: string;
  spec: TemplateSpecification;
}

/** Template path relative to templates/ (POSIX separators), or `path:` and a path segment holding `{{` → its precompiled form. */
export type PrecompiledTemplates = ReadonlyMap<string, PrecompiledTemplate>;

export function sourceHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

function withHelpers(instance: HandlebarsModule): HandlebarsModule {
  instance.registerHelper('eq', (left: unknown, right: unknown) => left === right);
  return instance;
}

const handlebars = withHelpers(Handlebars.create());

/** Compiles a template from its source at run time. */
export function compileTemplate<T>(source: string): CompiledTemplate<T> {
  return handlebars.compile<T>(source, TEMPLATE_OPTIONS);
}

/** The precompiled form of `source` when `precompiled` has it for exactly this source, else a run-time compile. */
export function templateFor<T>(templatePath: string, source: string, precompiled: PrecompiledTemplates): CompiledTemplate<T> {
  const entry = precompiled.get(templatePath);
  if (entry && entry.sha256 === sourceHash(source)) return handlebars.template<T>(entry.spec);
  return compileTemplate<T>(source);
}

/** What the build wrote, or nothing (running from sources, or before the first build). */
export function loadPrecompiledTemplates(path: string = COMPILED_TEMPLATES_PATH): PrecompiledTemplates {
  if (!existsSync(path)) return new Map();
  return new Map(Object.entries(requireFile(path) as Record<string, PrecompiledTemplate>));
}

function allFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return allFiles(path);
    return entry.isFile() ? [path] : [];
  });
}

/**
 * Handlebars' precompiler, writing each template function in parentheses. V8 compiles a
 * function lazily, on its first call, unless it is parenthesized; Node's compile cache
 * (bin/cli/compile-cache.ts) stores only the code compiled with the module, so without the
 * parentheses every run compiled again the 600-odd functions of the templates it renders (about
 * 50 ms of `new`'s CPU). With them, the first run compiles them all once and later runs read them
 * from the cache.
 */
const precompiler: HandlebarsModule = (() => {
  // Handlebars' documented extension point (its types do not declare it): a JavaScriptCompiler
  // subclass on the instance, also used for the nested programs (`compiler`).
  interface CompilerPrototype {
    compiler: unknown;
    createFunctionContext(this: { source: { wrap(chunks: unknown[]): unknown } }, asObject: boolean): unknown;
  }
  const instance = withHelpers(Handlebars.create()) as HandlebarsModule & { JavaScriptCompiler: { prototype: CompilerPrototype } };
  const Base = instance.JavaScriptCompiler;
  function EagerCompiler(this: unknown): void {
    (Base as unknown as (this: unknown) => void).call(this);
  }
  const prototype: CompilerPrototype = Object.create(Base.prototype);
  prototype.compiler = EagerCompiler;
  prototype.createFunctionContext = function (asObject) {
    const fn = Base.prototype.createFunctionContext.call(this, asObject);
    // asObject: a run-time compile, which returns the function itself rather than its source.
    return asObject ? fn : this.source.wrap(['(', fn, ')']);
  };
  EagerCompiler.prototype = prototype;
  instance.JavaScriptCompiler = EagerCompiler as unknown as { prototype: CompilerPrototype };
  return instance;
})();

/** The segments of a template's path that render.ts's outputPathFor compiles: a file name without its `.hbs`, as it is rendered. */
export function templatedSegments(templatePath: string): string[] {
  const rendered = templatePath.endsWith(TEMPLATE_SUFFIX) ? templatePath.slice(0, -TEMPLATE_SUFFIX.length) : templatePath;
  return rendered.split('/').filter((segment) => segment.includes('{{'));
}

/** The CommonJS module the build writes: every template under `templatesRoot` and every templated path segment, precompiled, with its source's hash. */
export function precompiledTemplatesModule(templatesRoot: string = TEMPLATES_ROOT): string {
  const paths = allFiles(templatesRoot).map((file) => relative(templatesRoot, file).split(sep).join(posix.sep));
  const sources = new Map<string, string>();
  for (const path of paths) {
    if (path.endsWith(TEMPLATE_SUFFIX)) sources.set(path, readFileSync(join(templatesRoot, path), 'utf8'));
    for (const segment of templatedSegments(path)) sources.set(`path:${segment}`, segment);
  }
  const entries = [...sources]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, source]) => `  ${JSON.stringify(key)}: { sha256: ${JSON.stringify(sourceHash(source))}, spec: ${precompiler.precompile(source, TEMPLATE_OPTIONS)} },`);
  return `// Written by generators/compile-templates.ts when microforge is built; do not edit.\n'use strict';\nmodule.exports = {\n${entries.join('\n')}\n};\n`;
}
