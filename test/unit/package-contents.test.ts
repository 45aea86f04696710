/**
 * What `npm pack` puts in the tarball users install: the bundle, the templates (packed into one file) and the package's
 * papers; never tests, benches, caches, compiled sources, goldens or source maps without their
 * sources. And what the bundle still imports at run time is exactly what package.json declares.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../e2e/support/paths.js';

interface PackedFile {
  path: string;
  size: number;
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, string>;
  dependencies?: Record<string, string>;
  files: string[];
};
const packed = (): PackedFile[] => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return (JSON.parse(out) as Array<{ files: PackedFile[] }>)[0]!.files;
};

/** Packages the bundled code imports at run time (esbuild's metafile: its external imports), builtins left out. */
function bundleImports(): Set<string> {
  const meta = JSON.parse(readFileSync(join(REPO_ROOT, 'dist', 'bundle-meta.json'), 'utf8')) as { outputs: Record<string, { imports: Array<{ path: string; external?: boolean }> }> };
  const found = new Set<string>();
  for (const output of Object.values(meta.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || path.startsWith('node:') || builtinModules.includes(path.split('/')[0]!)) continue;
      found.add(path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0]!);
    }
  }
  return found;
}

describe('the npm package', () => {
  const files = packed();
  const paths = files.map((file) => file.path);

  it('ships the bundle, the templates as one file, the license, the changelog and the readme', () => {
    for (const path of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/bundle/THIRD-PARTY-LICENSES.md', 'dist/bundle/templates.json']) expect(paths).toContain(path);
    for (const target of [...Object.values(manifest.bin), ...Object.values(manifest.exports)]) expect(paths).toContain(target.replace(/^\.\//, ''));
    // npm unpacks a package's files more than once while installing it: the templates go as one.
    expect(paths.filter((path) => path.startsWith('templates/'))).toEqual([]);
    expect(paths.length).toBeLessThan(60);
    expect(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('ships no tests, benches, caches, goldens, compiled sources or orphan source maps', () => {
    const unwanted = [
      ...paths.filter((path) => /(^|\/)(test|tests|bench|golden|goldens|samples)\//.test(path) || /^dist\/(?!bundle\/)/.test(path) || /^(scripts|bin|generators)\//.test(path) || /\.(ts|map|tsbuildinfo|tgz|log)$/.test(path)),
      ...paths.filter((path) => /(^|\/)(node_modules|\.cache|\.e2e-work|dist)\//.test(path) && !path.startsWith('dist/bundle/')),
    ];
    expect(unwanted).toEqual([]);
    const bundle = readdirSync(join(REPO_ROOT, 'dist', 'bundle'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
    for (const file of bundle) expect(readFileSync(join(REPO_ROOT, 'dist', 'bundle', file), 'utf8')).not.toContain('sourceMappingURL');
  });

  it('declares exactly the packages the bundle still imports at run time', () => {
    expect([...bundleImports()].sort()).toEqual(Object.keys(manifest.dependencies ?? {}).sort());
  });

  it('stays small: the tarball a first run downloads', () => {
    const bytes = files.reduce((sum, file) => sum + file.size, 0);
    expect(bytes).toBeLessThan(8 * 1024 * 1024);
  });
});
