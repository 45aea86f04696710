/**
 * First-run install cost, as `npm create microforge` pays it: the packed tarball installed with
 * `npm install --global` into a fresh prefix with an empty npm cache, against create-vite (a
 * bundled create-* CLI with no runtime dependencies) and @nestjs/cli installed the same way, in
 * the same run, interleaved round by round. Reports wall time, installed package count and size.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { measureOk } from './process.js';
import { benchResult, roundsResult, type BenchSection } from './result.js';
import { formatSpan, MiB } from './stats.js';
import { REPO_ROOT, WORK_DIR, cleanEnv, ensureDir } from './environment.js';
import { NEST_CLI_VERSION } from './generation.js';

export const CREATE_VITE_VERSION = '9.3.0';

interface Installed {
  packages: number;
  bytes: number;
}

/** Every package under node_modules (nested ones included) and the bytes on disk. */
function measureTree(root: string): Installed {
  let packages = 0;
  let bytes = 0;
  const walk = (directory: string, inNodeModules: boolean): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (inNodeModules && !entry.name.startsWith('@') && !entry.name.startsWith('.')) packages++;
        walk(path, entry.name === 'node_modules' || (inNodeModules && entry.name.startsWith('@')));
      } else bytes += statSync(path).size;
    }
  };
  walk(root, true);
  return { packages, bytes };
}

export async function runColdInstallBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  const work = ensureDir(join(WORK_DIR, 'cold-install'));
  const tarball = join(work, JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT, encoding: 'utf8' }))[0].filename);
  const contenders = [
    { key: 'microforge', label: 'create-microforge (packed tarball)', spec: tarball },
    { key: 'vite', label: `create-vite@${CREATE_VITE_VERSION}`, spec: `create-vite@${CREATE_VITE_VERSION}` },
    { key: 'nest', label: `@nestjs/cli@${NEST_CLI_VERSION}`, spec: `@nestjs/cli@${NEST_CLI_VERSION}` },
  ];
  const walls = new Map<string, number[]>(contenders.map((contender) => [contender.key, []]));
  const trees = new Map<string, Installed>();
  const env = cleanEnv();
  for (let round = 1; round <= options.rounds; round++) {
    for (const contender of contenders) {
      const prefix = join(work, `${contender.key}-prefix`);
      const cache = join(work, `${contender.key}-npm-cache`);
      for (const directory of [prefix, cache]) rmSync(directory, { recursive: true, force: true });
      mkdirSync(prefix, { recursive: true });
      const measured = await measureOk('npm', ['install', '--global', '--prefix', prefix, '--cache', cache, '--no-audit', '--no-fund', '--loglevel=error', contender.spec], {
        cwd: work,
        env,
        timeoutMs: 600_000,
      });
      walls.get(contender.key)!.push(measured.wallMs);
      trees.set(contender.key, measureTree(join(prefix, 'lib', 'node_modules')));
    }
    options.log(`cold-install: round ${round}/${options.rounds} done`);
  }
  const wall = (key: string) => walls.get(key)!;
  const tree = (key: string) => trees.get(key)!;
  return {
    title: `Cold install (npm install --global, fresh prefix, empty npm cache; ${options.rounds} rounds in turn, ${process.version})`,
    details: contenders.map(
      (contender) => `${contender.label}: wall ${formatSpan(wall(contender.key), 0)} ms (median, min-max), ${tree(contender.key).packages} package(s), ${(tree(contender.key).bytes / MiB).toFixed(1)} MiB installed`,
    ),
    results: [
      roundsResult({ name: 'cold install wall time vs create-vite', unit: 'ms', values: wall('microforge'), baselines: wall('vite'), target: 3 }),
      roundsResult({ name: 'cold install wall time vs @nestjs/cli', unit: 'ms', values: wall('microforge'), baselines: wall('nest') }),
      // Sizes and counts are exact: one reading each.
      benchResult({ name: 'installed packages vs create-vite', unit: 'packages', value: tree('microforge').packages, baseline: tree('vite').packages }),
      benchResult({ name: 'installed size vs create-vite', unit: 'MiB', value: tree('microforge').bytes / MiB, baseline: tree('vite').bytes / MiB }),
      benchResult({ name: 'installed size vs @nestjs/cli', unit: 'MiB', value: tree('microforge').bytes / MiB, baseline: tree('nest').bytes / MiB }),
    ],
  };
}
