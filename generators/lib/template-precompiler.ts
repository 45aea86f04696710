/**
 * Build time only (generators/compile-templates.ts): every template precompiled into the CommonJS
 * module that rendering loads (compiled-templates.ts). Kept apart so that rendering does not load
 * Handlebars' compiler.
 */
import Handlebars from 'handlebars';
import { sourceHash, templatedSegments, TEMPLATE_OPTIONS, TEMPLATE_SUFFIX, withHelpers } from './compiled-templates.js';
import { TEMPLATES_ROOT } from './package-root.js';
import { templateFilesAt } from './template-files.js';

type HandlebarsModule = typeof Handlebars;

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

/** The CommonJS module the build writes: every template under `templatesRoot` and every templated path segment, precompiled, with its source's hash. */
export function precompiledTemplatesModule(templatesRoot: string = TEMPLATES_ROOT): string {
  const files = templateFilesAt(templatesRoot);
  const sources = new Map<string, string>();
  for (const path of files.filesUnder('')) {
    if (path.endsWith(TEMPLATE_SUFFIX)) sources.set(path, files.read(path).toString('utf8'));
    for (const segment of templatedSegments(path)) sources.set(`path:${segment}`, segment);
  }
  const entries = [...sources]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, source]) => `  ${JSON.stringify(key)}: { sha256: ${JSON.stringify(sourceHash(source))}, spec: ${precompiler.precompile(source, TEMPLATE_OPTIONS)} },`);
  return `// Written by generators/compile-templates.ts when microforge is built; do not edit.\n'use strict';\nmodule.exports = {\n${entries.join('\n')}\n};\n`;
}
