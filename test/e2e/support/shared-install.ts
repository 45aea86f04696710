// One `npm install` for many generated repos: their dependencies differ only by component (a
// broker client, ioredis, lru-cache), never by version, so one node_modules holding the union of
// them serves every repo through a symlink. The union could hide a repo that imports a package it
// does not declare, so each repo's bare imports are checked against its own package.json first.
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeRun, npmWithServiceNode } from './run.js';

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

async function declaredDependencies(repo: string): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as Manifest;
  return { ...manifest.dependencies, ...manifest.devDependencies };
}

/** Every file under `dir` (recursively) whose name ends with one of `extensions`. */
async function sourceFiles(dir: string, extensions: readonly string[]): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))).map((entry) => join(entry.parentPath, entry.name));
}

/** The packages a repo's sources import by bare specifier (`pg`, `@nats-io/jetstream`), sorted. */
export async function importedPackages(repo: string): Promise<string[]> {
  const files = [...(await sourceFiles(join(repo, 'src'), ['.ts'])), ...(await sourceFiles(join(repo, 'test'), ['.ts'])), join(repo, 'build.mjs')];
  const packages = new Set<string>();
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const [, specifier] of text.matchAll(/(?:\bfrom|\bimport\(|^import)\s*'([^'./][^']*)'/gm)) {
      if (specifier === undefined || specifier.startsWith('node:')) continue;
      packages.add(/^(@[^/]+\/[^/]+|[^/]+)/.exec(specifier)?.[1] ?? specifier);
    }
  }
  return [...packages].sort();
}

/** What each repo imports without declaring it (empty lists when every repo is self-contained). */
export async function undeclaredImports(repos: readonly string[]): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const repo of repos) {
    const declared = await declaredDependencies(repo);
    result[repo] = (await importedPackages(repo)).filter((name) => !(name in declared));
  }
  return result;
}

/**
 * Installs the union of the repos' dependencies once into `dir` (npm's cache warm from earlier
 * installs: `--prefer-offline`) and links it into every repo as its node_modules. Throws when two
 * repos pin one package at different versions (the union would then test the wrong one).
 */
export async function installSharedDependencies(dir: string, repos: readonly string[]): Promise<void> {
  const union: Record<string, string> = {};
  for (const repo of repos) {
    for (const [name, version] of Object.entries(await declaredDependencies(repo))) {
      if (union[name] !== undefined && union[name] !== version) throw new Error(`shared install: ${name} is ${union[name]} in one repo and ${version} in ${repo}`);
      union[name] = version;
    }
  }
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'shared-dependencies', private: true, dependencies: union }, null, 2)}\n`);
  const installed = await npmWithServiceNode(dir, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { timeoutMs: 10 * 60_000 });
  if (installed.exitCode !== 0) throw new Error(describeRun('npm install (shared dependencies)', installed));
  for (const repo of repos) await symlink(join(dir, 'node_modules'), join(repo, 'node_modules'), 'dir');
}
