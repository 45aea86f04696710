/**
 * Generation speed: `microforge new DIR --yes --skip-install --skip-git` from a cold process,
 * against the floor (floor-render.ts: render the same templates and write them) and against
 * `nest new --skip-install --skip-git` (@nestjs/cli, installed into .cache/bench for this only),
 * interleaved round by round so drift on a shared machine hits all three alike.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measureOk, type ProcessMeasurement } from './process.js';
import { benchResult, type BenchSection } from './result.js';
import { median } from './stats.js';
import { CACHE_DIR, CLI_PATH, REPO_ROOT, cleanEnv, ensureDir, run, WORK_DIR } from './environment.js';

export const NEST_CLI_VERSION = '11.0.24';
const NEST_PREFIX = join(CACHE_DIR, 'nestjs-cli');
const NEST_BIN = join(NEST_PREFIX, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');

async function ensureNestCli(): Promise<void> {
  if (existsSync(NEST_BIN)) return;
  ensureDir(NEST_PREFIX);
  await run('npm', ['install', '--prefix', NEST_PREFIX, '--no-save', '--no-audit', '--no-fund', `@nestjs/cli@${NEST_CLI_VERSION}`], { cwd: NEST_PREFIX });
}

interface Contender {
  key: string;
  label: string;
  command: (directory: string) => { args: string[]; cwd: string };
}

export async function runGenerationBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  await ensureNestCli();
  const work = ensureDir(join(WORK_DIR, 'generation'));
  const node = process.execPath;
  const contenders: Contender[] = [
    { key: 'floor', label: 'floor (render + write, plain node)', command: (dir) => ({ args: [join(REPO_ROOT, 'dist', 'bench', 'floor-render.js'), dir], cwd: work }) },
    { key: 'microforge', label: 'microforge new --yes --skip-install --skip-git', command: (dir) => ({ args: [CLI_PATH, 'new', dir, '--yes', '--skip-install', '--skip-git'], cwd: work }) },
    { key: 'nest', label: `nest new --skip-install --skip-git (@nestjs/cli ${NEST_CLI_VERSION})`, command: (dir) => ({ args: [NEST_BIN, 'new', dir, '--skip-install', '--skip-git', '--package-manager', 'npm'], cwd: work }) },
  ];
  const samples = new Map<string, ProcessMeasurement[]>(contenders.map((contender) => [contender.key, []]));
  const env = cleanEnv();
  // Round 0 warms the page cache and is discarded.
  for (let round = 0; round <= options.rounds; round++) {
    for (const contender of contenders) {
      const directory = `gen-${contender.key}-${round}`;
      rmSync(join(work, directory), { recursive: true, force: true });
      const { args, cwd } = contender.command(directory);
      const measured = await measureOk(node, args, { cwd, env });
      rmSync(join(work, directory), { recursive: true, force: true });
      if (round > 0) samples.get(contender.key)!.push(measured);
    }
    if (round > 0) options.log(`generation: round ${round}/${options.rounds} done`);
  }
  const figure = (key: string, pick: (m: ProcessMeasurement) => number) => median(samples.get(key)!.map(pick));
  const wall = (key: string) => figure(key, (m) => m.wallMs);
  const cpu = (key: string) => figure(key, (m) => m.cpuMs);
  const rss = (key: string) => figure(key, (m) => m.peakRssKiB / 1024);
  const runs = `median of ${options.rounds} cold runs`;
  return {
    title: `Generation (${runs}, ${process.version})`,
    details: contenders.map(
      (contender) => `${contender.label}: wall ${wall(contender.key).toFixed(0)} ms, CPU ${cpu(contender.key).toFixed(0)} ms, peak RSS ${rss(contender.key).toFixed(1)} MiB`,
    ),
    results: [
      benchResult({ name: 'generation wall time vs floor', unit: 'ms', value: wall('microforge'), baseline: wall('floor'), target: 2 }),
      benchResult({ name: 'generation CPU time vs floor', unit: 'ms', value: cpu('microforge'), baseline: cpu('floor'), target: 2 }),
      benchResult({ name: 'generation peak RSS vs floor', unit: 'MiB', value: rss('microforge'), baseline: rss('floor') }),
      benchResult({ name: 'generation wall time vs nest new', unit: 'ms', value: wall('microforge'), baseline: wall('nest'), target: 1, notes: 'faster than nest new' }),
      benchResult({ name: 'generation CPU time vs nest new', unit: 'ms', value: cpu('microforge'), baseline: cpu('nest') }),
      benchResult({ name: 'generation peak RSS vs nest new', unit: 'MiB', value: rss('microforge'), baseline: rss('nest') }),
    ],
  };
}
