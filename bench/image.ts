/**
 * The final image stage's contents per combination (the bundled dist/, the compile cache written
 * at build, package.json, migrations/; the bundles carry the production dependencies, so there is
 * no node_modules), against a bare fastify app's (its node_modules and server), so dependency
 * bloat shows: the largest packages inside the bundles are listed from their source maps. Sizes
 * are apparent file sizes, summed; no container is built.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validSpecs } from '../generators/lib/combinations.js';
import { prepareBareFastify, prepareService } from './prepare.js';
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

/** The largest packages inside the bundles in `dist`, by source bytes recorded in their source maps. */
export function largestBundledPackages(dist: string, count: number): Array<{ name: string; bytes: number }> {
  const bytesByPackage = new Map<string, number>();
  for (const file of existsSync(dist) ? readdirSync(dist).filter((name) => name.endsWith('.js.map')) : []) {
    const map = JSON.parse(readFileSync(join(dist, file), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
    map.sources.forEach((source, index) => {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source)?.[1] ?? '(service code)';
      bytesByPackage.set(name, (bytesByPackage.get(name) ?? 0) + (map.sourcesContent?.[index]?.length ?? 0));
    });
  }
  return [...bytesByPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, count);
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
    const distDir = join(service.directory, 'dist');
    const dist = treeSize(distDir);
    const maps = readdirSync(distDir).filter((name) => name.endsWith('.map')).reduce((total, name) => total + lstatSync(join(distDir, name)).size, 0);
    const compileCache = treeSize(service.runtimeEnv['NODE_COMPILE_CACHE']!);
    const total = sum(dist, compileCache, treeSize(join(service.directory, 'package.json')), treeSize(join(service.directory, 'migrations')));
    results.push(benchResult({ name: `image contents, ${service.key} vs bare fastify`, unit: 'MiB', value: total.bytes / MiB, baseline: bare.bytes / MiB }));
    details.push(
      `${service.key}: ${(total.bytes / MiB).toFixed(1)} MiB in ${total.files} files (dist ${(dist.bytes / MiB).toFixed(1)} MiB, of which source maps ${(maps / MiB).toFixed(1)} MiB; compile cache ${(compileCache.bytes / MiB).toFixed(1)} MiB); ${Number.isNaN(service.installSeconds) ? 'install and build reused from the last run' : `npm install ${service.installSeconds.toFixed(1)} s, build ${service.buildSeconds.toFixed(1)} s`}; largest bundled: ${largestBundledPackages(distDir, 5)
        .map((pkg) => `${pkg.name} ${(pkg.bytes / MiB).toFixed(2)}`)
        .join(', ')} MiB`,
    );
  }
  return { title: 'Image contents (final stage: bundled dist + compile cache + package.json + migrations; no node_modules)', results, details };
}
