import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { matrixSpecs } from '../../generators/lib/combinations.js';
import {
  compileTemplate,
  loadPrecompiledTemplates,
  sourceHash,
  templatedSegments,
  templateFor,
  type PrecompiledTemplates,
} from '../../generators/lib/compiled-templates.js';
import { precompiledTemplatesModule } from '../../generators/lib/template-precompiler.js';
import { TEMPLATES_ROOT } from '../../generators/lib/package-root.js';
import { COMPONENTS } from '../../generators/lib/components.js';
import { templateContextFor, type TemplateContext } from '../../generators/lib/template-context.js';

/** The module the build writes, loaded the way rendering loads it. */
function buildPrecompiled(): PrecompiledTemplates {
  const work = mkdtempSync(join(tmpdir(), 'microforge-compiled-'));
  try {
    writeFileSync(join(work, 'compiled-templates.cjs'), precompiledTemplatesModule());
    return loadPrecompiledTemplates(join(work, 'compiled-templates.cjs'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every file under templates/, relative and with POSIX separators. */
function templateFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1).split('\\').join('/'));
}

const outcome = (render: () => string): string => {
  try {
    return render();
  } catch (error) {
    return `threw: ${error instanceof Error ? error.message : String(error)}`;
  }
};

describe('templates precompiled at build time', () => {
  const precompiled = buildPrecompiled();
  const templates = [...precompiled.keys()].filter((key) => !key.startsWith('path:'));

  it('holds every template and every templated path segment', () => {
    expect(templates.length).toBeGreaterThan(50);
    expect(templates).toContain('base/src/main.ts.hbs');
    // As outputPathFor compiles them: `0001_create_{{resourcePluralSnake}}.sql`, without `.hbs`.
    const segments = templateFiles(TEMPLATES_ROOT).flatMap((path) => templatedSegments(path));
    expect(segments).toContain('0001_create_{{resourcePluralSnake}}.sql');
    expect(segments.filter((segment) => !precompiled.has(`path:${segment}`))).toEqual([]);
  });

  it('renders every template exactly as compiling its source at run time does, across the choice matrix', () => {
    const contexts = matrixSpecs({ name: 'order-service', resource: 'order-line' }).map((spec) => templateContextFor(spec, '0.0.0-test', COMPONENTS));
    for (const key of templates) {
      const source = readFileSync(join(TEMPLATES_ROOT, key), 'utf8');
      const fromBuild = templateFor<TemplateContext>(key, source, precompiled);
      const compiled = compileTemplate<TemplateContext>(source);
      for (const context of contexts) expect({ key, output: outcome(() => fromBuild(context)) }).toEqual({ key, output: outcome(() => compiled(context)) });
    }
  });

  it('uses the precompiled form only for the very source it was compiled from', () => {
    // Two templates that include no sections, so they render alone (without the renderer's partials).
    const [first, second] = ['base/test/http/metrics.test.ts.hbs', 'base/docs/operations/faults.md.hbs'];
    const context = templateContextFor(matrixSpecs({ name: 'order-service', resource: 'order-line' })[0]!, '0.0.0-test', COMPONENTS);
    const source = readFileSync(join(TEMPLATES_ROOT, first), 'utf8');
    // A map whose entry for `first` holds another template's code: used only while the hash matches.
    const swapped = new Map(precompiled).set(first, { sha256: sourceHash(source), spec: precompiled.get(second)!.spec });
    const otherOutput = outcome(() => compileTemplate<TemplateContext>(readFileSync(join(TEMPLATES_ROOT, second), 'utf8'))(context));
    expect(outcome(() => templateFor<TemplateContext>(first, source, swapped)(context))).toBe(otherOutput);
    // The same template edited after the build: compiled from its new source.
    const edited = `${source}\n// edited after the build\n`;
    expect(templateFor<TemplateContext>(first, edited, swapped)(context)).toBe(compileTemplate<TemplateContext>(edited)(context));
    expect(templateFor<TemplateContext>(first, edited, swapped)(context)).toContain('// edited after the build');
  });

  it('is empty without a build', () => {
    expect(loadPrecompiledTemplates(join(tmpdir(), 'no-such-dir', 'compiled-templates.cjs')).size).toBe(0);
  });
});
