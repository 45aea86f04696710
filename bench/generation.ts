/**
 * Generation speed: `microforge new DIR --yes --skip-install --skip-git` from a cold process,
 * against the write floor (floor-write.ts: a bare Node process writing the same files from
 * memory), the render floor (floor-render.ts: a bare Node process rendering them with the shipped
 * renderer and writing them) and `nest new --skip-install --skip-git` (@nestjs/cli, installed
 * into .cache/bench for this only), interleaved round by round so drift on a shared machine hits
 * all alike, each measured whole-process (process.ts): wall time, CPU time, peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseGenerationRecord } from '../generators/lib/generation-record.js';
import { YO_RC_PATH } from '../generators/lib/render.js';
import { renderFloorScript } from './floor-render.js';
import { floorScript, readTree, treeDifference } from './floor-write.js';
import { measureOk, processMeasurementNote, type ProcessMeasurement } from './process.js';
import { roundsResult, type BenchSection } from './result.js';
import { formatSpan } from './stats.js';
import { CACHE_DIR, CLI_PATH, cleanEnv, ensureDir, run, WORK_DIR } from './environment.js';

export const NEST_CLI_VERSION = '11.0.24';
const NEST_PREFIX = join(CACHE_DIR, 'nestjs-cli');
const NEST_BIN = join(NEST_PREFIX, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
/** The same directory name every round, so every round of `new` writes the same bytes. */
const GENERATED = 'gen-microforge';

async function ensureNestCli(): Promise<void> {
  if (existsSync(NEST_BIN)) return;
  ensureDir(NEST_PREFIX);
  await run('npm', ['install', '--prefix', NEST_PREFIX, '--no-save', '--no-audit', '--no-fund', `@nestjs/cli@${NEST_CLI_VERSION}`], { cwd: NEST_PREFIX });
}

interface Contender {
  key: string;
  label: string;
  directory: string;
  args: string[];
}

export async function runGenerationBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  await ensureNestCli();
  const work = ensureDir(join(WORK_DIR, 'generation'));
  const node = process.execPath;
  const env = cleanEnv();
  const microforge: Contender = { key: 'microforge', label: `microforge new ${GENERATED} --yes --skip-install --skip-git`, directory: GENERATED, args: [CLI_PATH, 'new', GENERATED, '--yes', '--skip-install', '--skip-git'] };
  // The floor is made from what `new` writes, so it writes exactly that.
  rmSync(join(work, GENERATED), { recursive: true, force: true });
  await measureOk(node, microforge.args, { cwd: work, env });
  const generated = readTree(join(work, GENERATED));
  const floorPath = join(work, 'floor.mjs');
  writeFileSync(floorPath, floorScript(generated));
  // The render floor renders the spec `new` recorded, so it writes the same bytes.
  const recorded = parseGenerationRecord(readFileSync(join(work, GENERATED, YO_RC_PATH), 'utf8'), YO_RC_PATH);
  const renderFloorPath = join(work, 'render-floor.mjs');
  writeFileSync(renderFloorPath, renderFloorScript(join(dirname(CLI_PATH), 'renderer.js'), recorded.spec, env));
  const contenders: Contender[] = [
    { key: 'floor', label: `write floor: bare node writing the same ${generated.length} files from memory`, directory: 'gen-floor', args: [floorPath, 'gen-floor'] },
    { key: 'render', label: 'render floor: bare node loading the shipped renderer, rendering the same spec and writing the files', directory: 'gen-render-floor', args: [renderFloorPath, 'gen-render-floor'] },
    microforge,
    { key: 'nest', label: `nest new --skip-install --skip-git (@nestjs/cli ${NEST_CLI_VERSION})`, directory: 'gen-nest', args: [NEST_BIN, 'new', 'gen-nest', '--skip-install', '--skip-git', '--package-manager', 'npm'] },
  ];
  const samples = new Map<string, ProcessMeasurement[]>(contenders.map((contender) => [contender.key, []]));
  // Round 0 warms the page cache and is discarded; after it, the floor's output is checked.
  for (let round = 0; round <= options.rounds; round++) {
    for (const contender of contenders) {
      rmSync(join(work, contender.directory), { recursive: true, force: true });
      // Each run starts with nothing waiting to be written back: the previous contender's files
      // (and their removal) otherwise fell on whoever ran next, and the write floor, the shortest
      // run, swung from 40 to 200 ms between runs of this benchmark.
      execFileSync('sync');
      const measured = await measureOk(node, contender.args, { cwd: work, env });
      if (round > 0) samples.get(contender.key)!.push(measured);
    }
    if (round === 0) {
      for (const floor of ['gen-floor', 'gen-render-floor']) {
        const difference = treeDifference(readTree(join(work, GENERATED)), readTree(join(work, floor)));
        if (difference) throw new Error(`the generation floor ${floor} does not write what microforge new writes: ${difference}`);
      }
    }
    for (const contender of contenders) rmSync(join(work, contender.directory), { recursive: true, force: true });
    if (round > 0) options.log(`generation: round ${round}/${options.rounds} done`);
  }
  const series = (key: string, pick: (m: ProcessMeasurement) => number) => samples.get(key)!.map(pick);
  const wall = (key: string) => series(key, (m) => m.wallMs);
  const cpu = (key: string) => series(key, (m) => m.cpuMs);
  const rss = (key: string) => series(key, (m) => m.peakRssKiB / 1024);
  return {
    title: `Generation (${options.rounds} interleaved cold runs, CLI on ${process.version})`,
    details: [
      `measured: ${processMeasurementNote()}; medians with min-max over rounds`,
      ...contenders.map((contender) => `${contender.label}: wall ${formatSpan(wall(contender.key), 0)} ms, CPU ${formatSpan(cpu(contender.key), 0)} ms, peak RSS ${formatSpan(rss(contender.key), 1)} MiB`),
    ],
    results: [
      roundsResult({ name: 'generation wall time vs floor', unit: 'ms', values: wall('microforge'), baselines: wall('floor'), target: 3 }),
      roundsResult({ name: 'generation CPU time vs floor', unit: 'ms', values: cpu('microforge'), baselines: cpu('floor'), target: 3 }),
      roundsResult({ name: 'generation peak RSS vs floor', unit: 'MiB', values: rss('microforge'), baselines: rss('floor') }),
      roundsResult({ name: 'generation wall time vs render floor', unit: 'ms', values: wall('microforge'), baselines: wall('render'), target: 2 }),
      roundsResult({ name: 'generation CPU time vs render floor', unit: 'ms', values: cpu('microforge'), baselines: cpu('render'), target: 2 }),
      roundsResult({ name: 'generation peak RSS vs render floor', unit: 'MiB', values: rss('microforge'), baselines: rss('render') }),
      roundsResult({ name: 'generation wall time vs nest new', unit: 'ms', values: wall('microforge'), baselines: wall('nest'), target: 0.5 }),
      roundsResult({ name: 'generation CPU time vs nest new', unit: 'ms', values: cpu('microforge'), baselines: cpu('nest'), target: 0.5 }),
      roundsResult({ name: 'generation peak RSS vs nest new', unit: 'MiB', values: rss('microforge'), baselines: rss('nest') }),
    ],
  };
}
