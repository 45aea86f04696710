import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { validSpecs } from '../../generators/lib/combinations.js';
import { renderRepo } from '../../generators/lib/render.js';
import { SERVICE_VERSIONS } from '../../generators/lib/service-versions.js';
import { completeSpec } from '../../generators/lib/spec.js';

const matrix = validSpecs({ name: 'order-service', resource: 'order-line' });
const text = (tree: ReadonlyMap<string, Buffer>, path: string): string => {
  const contents = tree.get(path);
  if (!contents) throw new Error(`${path} was not rendered`);
  return contents.toString('utf8');
};

/** Bare module specifiers imported by the generated TypeScript: each must be a declared dependency. */
function importedPackages(source: string): string[] {
  const patterns = [/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/gms, /^\s*import\s+['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  const specifiers = patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] ?? ''));
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map((specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier)));
}

describe.each(matrix.map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}`, spec] as const))('rendering %s', (_label, spec) => {
  const tree = renderRepo(spec);

  it('is pure: the same spec renders the same bytes', () => {
    const again = renderRepo(spec);
    expect([...again.keys()]).toEqual([...tree.keys()]);
    for (const [path, contents] of tree) expect(again.get(path)?.equals(contents)).toBe(true);
  });

  it('leaves no template syntax or unresolved names behind', () => {
    for (const [path, contents] of tree) {
      // GitHub Actions expressions (${{ }}) and Go templates ({{.Field}}) are meant to stay.
      const body = contents.toString('utf8').replace(/\$\{\{[^}]*\}\}/g, '').replace(/\{\{\.[^}]*\}\}/g, '');
      expect({ path, leftover: /\{\{|\}\}/.test(body) }).toEqual({ path, leftover: false });
      expect({ path, ok: !/undefined|\[object Object\]/.test(body) || path.endsWith('.ts') }).toEqual({ path, ok: true });
    }
  });

  it('renders parseable JSON and YAML', () => {
    for (const [path, contents] of tree) {
      if (path.endsWith('.json')) expect(() => JSON.parse(contents.toString('utf8'))).not.toThrow();
      if (path.endsWith('.yaml') || path.endsWith('.yml')) {
        for (const document of parseAllDocuments(contents.toString('utf8'))) expect({ path, errors: document.errors.map(String) }).toEqual({ path, errors: [] });
      }
    }
  });

  it('records the choices in .yo-rc.json for later commands', () => {
    const recorded = JSON.parse(text(tree, '.yo-rc.json'))['create-microforge'];
    expect(recorded).toMatchObject({ ...spec, generatorVersion: expect.any(String) });
  });

  it('declares every package its code imports, pinned from the one versions module', () => {
    const manifest = JSON.parse(text(tree, 'package.json'));
    const declared = { ...manifest.dependencies, ...manifest.devDependencies } as Record<string, string>;
    for (const [name, version] of Object.entries(declared)) {
      expect({ name, version }).toEqual({ name, version: SERVICE_VERSIONS[name as keyof typeof SERVICE_VERSIONS] });
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    for (const [path, contents] of tree) {
      if (!path.endsWith('.ts')) continue;
      const runtimeOnly = path.startsWith('src/');
      for (const name of importedPackages(contents.toString('utf8'))) {
        const where = runtimeOnly ? manifest.dependencies : declared;
        expect({ path, name, declared: name in where }).toEqual({ path, name, declared: true });
      }
    }
    expect(manifest.engines.node).toBe('>=22.18');
    expect(manifest.name).toBe(spec.name);
  });

  it('uses the names derived from the spec', () => {
    const paths = [...tree.keys()];
    if (spec.storage === 'postgres') {
      expect(paths.some((path) => path.startsWith('migrations/') && path.endsWith('.sql'))).toBe(true);
      expect(paths.some((path) => path.includes('order-lines') || path.includes('orderLines') || path.includes('order_lines'))).toBe(true);
      expect(JSON.parse(text(tree, 'package.json')).dependencies.pg).toBeDefined();
    } else {
      expect(paths.some((path) => path.startsWith('migrations/'))).toBe(false);
      expect(JSON.parse(text(tree, 'package.json')).dependencies.pg).toBeUndefined();
    }
    for (const required of ['Dockerfile', '.dockerignore', 'k8s/base/kustomization.yaml', 'k8s/overlays/dev/kustomization.yaml', 'k8s/overlays/prod/kustomization.yaml', 'compose.yaml', 'README.md', '.gitignore', 'tsconfig.json', 'src/main.ts']) {
      expect(paths).toContain(required);
    }
  });
});

describe('the storage seam', () => {
  it('gives the stateless service no database wiring at all', () => {
    const tree = renderRepo(completeSpec({ storage: 'none' }, 'calc'));
    for (const [path, contents] of tree) {
      if (path.startsWith('src/')) expect({ path, mentionsDatabase: /DATABASE_URL|from 'pg'/.test(contents.toString('utf8')) }).toEqual({ path, mentionsDatabase: false });
    }
  });
});
