/**
 * The final image stage's contents per combination (production node_modules from a clean
 * `npm ci --omit=dev`, dist/, package.json, migrations/), against a bare fastify app's, so
 * dependency bloat shows. Sizes are apparent file sizes, summed; no container is built.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validSpecs } from '../generators/lib/combinations.js';
import { prepareBareFastify, prepareService, productionInstall } from './prepare.js';
import { benchResult, type BenchSection } from './result.js';
import { MiB } from './stats.js';

export interface TreeSize {
  bytes: number;
  files: number;
}

export function treeSize(path: string): TreeSize {
  if (!existsSync(path)) return { bytes: 0, files: 0 };
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return { bytes: stat.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(path)) {
    const child = treeSize(join(path, entry));
    bytes += child.bytes;
    files += child.files;
  }
  return { bytes, files };
}

/** The largest top-level packages (scoped ones counted per package), biggest first. */
export function largestPackages(nodeModules: string, count: number): Array<{ name: string; bytes: number }> {
  if (!existsSync(nodeModules)) return [];
  const packages: Array<{ name: string; bytes: number }> = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(join(nodeModules, entry)).map((scoped) => `${entry}/${scoped}`) : [entry];
    for (const name of names) packages.push({ name, bytes: treeSize(join(nodeModules, name)).bytes });
  }
  return packages.sort((a, b) => b.bytes - a.bytes).slice(0, count);
}

function sum(...sizes: TreeSize[]): TreeSize {
  return sizes.reduce((total, size) => ({ bytes: total.bytes + size.bytes, files: total.files + size.files }), { bytes: 0, files: 0 });
}

export async function runImageBenchmark(options: { log: (line: string) => void }): Promise<BenchSection> {
  const bareDir = await prepareBareFastify(options.log);
  const bare = sum(treeSize(join(bareDir, 'node_modules')), treeSize(join(bareDir, 'server.mjs')), treeSize(join(bareDir, 'package.json')));
  const results = [];
  const details = [`bare fastify: ${(bare.bytes / MiB).toFixed(1)} MiB in ${bare.files} files (node_modules + server.mjs + package.json)`];
  for (const spec of validSpecs()) {
    const service = await prepareService(spec, options.log);
    const prodDir = await productionInstall(service);
    const modules = treeSize(join(prodDir, 'node_modules'));
    const dist = treeSize(join(service.directory, 'dist'));
    const total = sum(modules, dist, treeSize(join(service.directory, 'package.json')), treeSize(join(service.directory, 'migrations')));
    results.push(benchResult({ name: `image contents, ${service.key} vs bare fastify`, unit: 'MiB', value: total.bytes / MiB, baseline: bare.bytes / MiB }));
    details.push(
      `${service.key}: ${(total.bytes / MiB).toFixed(1)} MiB in ${total.files} files (production node_modules ${(modules.bytes / MiB).toFixed(1)} MiB, dist ${(dist.bytes / 1024).toFixed(0)} KiB); npm install ${service.installSeconds.toFixed(1)} s, build ${service.buildSeconds.toFixed(1)} s; largest: ${largestPackages(join(prodDir, 'node_modules'), 5)
        .map((pkg) => `${pkg.name} ${(pkg.bytes / MiB).toFixed(1)}`)
        .join(', ')} MiB`,
    );
  }
  return { title: 'Image contents (final stage: production node_modules + dist + package.json + migrations)', results, details };
}
