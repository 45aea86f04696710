/**
 * The templates, precompiled when microforge is built (generators/lib/template-precompiler.ts,
 * written by generators/compile-templates.ts into dist/bundle/compiled-templates.cjs, shipped
 * beside the bundle), so a `microforge` process neither parses nor compiles templates: that was
 * about 270 ms of CPU, most of what rendering a repo costs in a fresh process. Rendering needs
 * only Handlebars' runtime; its compiler (a parser, a code generator and source-map, some 8 ms to
 * load) is loaded when a template has to be compiled after all. Each entry carries the sha256 of
 * the source it was compiled from; a template that is not in the file, or was edited after the
 * build, is compiled at run time as before, so a stale file never renders stale output.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Handlebars from 'handlebars';
import HandlebarsRuntime from 'handlebars/runtime.js';
import { PACKAGE_ROOT } from './package-root.js';

type HandlebarsModule = typeof Handlebars;
/** Runtime options carry the sections of the folders being rendered (sections.ts). */
export type CompiledTemplate<T> = (context: T, options?: Handlebars.RuntimeOptions) => string;

/**
 * strict: a misspelt variable is an error at render time, not an empty string in the output.
 * knownHelpersOnly: `{{name}}` is a lookup in the context, never a helper call; without it every
 * mustache compiled to "a helper of that name, or else the value", with an options object per
 * call, which made the precompiled module a third larger and rendering slower. `phrase` is given
 * by the sections at render time (sections.ts).
 */
export const TEMPLATE_OPTIONS = { noEscape: true, strict: true, knownHelpers: { eq: true, phrase: true }, knownHelpersOnly: true } as const;
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

export function withHelpers<H extends Pick<HandlebarsModule, 'registerHelper'>>(instance: H): H {
  instance.registerHelper('eq', (left: unknown, right: unknown) => left === right);
  return instance;
}

const runtime = withHelpers((HandlebarsRuntime as unknown as HandlebarsModule).create());

/**
 * Handlebars with its compiler, loaded on first use. In the bundle `require` is the banner's and
 * esbuild bundles `require('handlebars')` as a module evaluated only when this runs; from dist/
 * (an ES module without `require`), Node resolves the package.
 */
function fullHandlebars(): HandlebarsModule {
  return (typeof require === 'function' ? require('handlebars') : requireFile('handlebars')) as HandlebarsModule;
}

let compiler: HandlebarsModule | undefined;

/** Compiles a template from its source at run time. */
export function compileTemplate<T>(source: string): CompiledTemplate<T> {
  compiler ??= withHelpers(fullHandlebars().create());
  return compiler.compile<T>(source, TEMPLATE_OPTIONS);
}

/** The precompiled form of `source` when `precompiled` has it for exactly this source, else a run-time compile. */
export function templateFor<T>(templatePath: string, source: string, precompiled: PrecompiledTemplates): CompiledTemplate<T> {
  const entry = precompiled.get(templatePath);
  if (entry && entry.sha256 === sourceHash(source)) return runtime.template<T>(entry.spec);
  return compileTemplate<T>(source);
}

/** What the build wrote, or nothing (running from sources, or before the first build). */
export function loadPrecompiledTemplates(path: string = COMPILED_TEMPLATES_PATH): PrecompiledTemplates {
  if (!existsSync(path)) return new Map();
  return new Map(Object.entries(requireFile(path) as Record<string, PrecompiledTemplate>));
}

/** The segments of a template's path that render.ts's outputPathFor compiles: a file name without its `.hbs`, as it is rendered. */
export function templatedSegments(templatePath: string): string[] {
  const rendered = templatePath.endsWith(TEMPLATE_SUFFIX) ? templatePath.slice(0, -TEMPLATE_SUFFIX.length) : templatePath;
  return rendered.split('/').filter((segment) => segment.includes('{{'));
}
