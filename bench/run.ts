/**
 * `npm run bench [-- --json] [-- --only generation,add-resource,service,image,consumer,cache,tracing,install,matrix] [-- --rounds N] [-- --readme]`
 * Prints ratios against baselines measured in the same run, and writes the Markdown table to
 * bench/results/latest.md (with --readme, into README.md's table too). Missing a target never
 * fails it: the exit code is non-zero only when the benchmark itself breaks.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAddResourceBenchmark } from './add-resource.js';
import { runCacheBenchmark } from './cache.js';
import { runColdInstallBenchmark } from './cold-install.js';
import { machineInfo, serviceNodeVersion, REPO_ROOT } from './environment.js';
import { runConsumerBenchmark } from './consumer-throughput.js';
import { runGenerationBenchmark } from './generation.js';
import { runImageBenchmark } from './image.js';
import { runMatrixBenchmark } from './matrix.js';
import { parseBenchArguments } from './arguments.js';
import { formatJson, formatMarkdown, formatReport, replaceReadmeTable } from './report.js';
import type { BenchSection } from './result.js';
import { runServiceBenchmark } from './service.js';
import { runTracingBenchmark } from './tracing.js';

interface Benchmark {
  key: string;
  /** Runs by default (without --only). */
  byDefault: boolean;
  run(context: { rounds: number; log: (line: string) => void }): Promise<BenchSection>;
}

const BENCHMARKS: Benchmark[] = [
  { key: 'generation', byDefault: true, run: runGenerationBenchmark },
  { key: 'add-resource', byDefault: true, run: runAddResourceBenchmark },
  { key: 'service', byDefault: true, run: runServiceBenchmark },
  { key: 'image', byDefault: true, run: runImageBenchmark },
  { key: 'matrix', byDefault: false, run: runMatrixBenchmark },
  { key: 'install', byDefault: true, run: runColdInstallBenchmark },
  { key: 'cache', byDefault: true, run: runCacheBenchmark },
  { key: 'tracing', byDefault: true, run: runTracingBenchmark },
  {
    key: 'consumer',
    byDefault: true,
    run: async ({ log, rounds }) => ({ title: 'Messaging consumer throughput (at-least-once with postgres vs a bare client consumer)', ...(await runConsumerBenchmark({ log, rounds })) }),
  },
];

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArguments(process.argv.slice(2), BENCHMARKS.map((benchmark) => benchmark.key));
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const selected = BENCHMARKS.filter((benchmark) => (args.only ? args.only.includes(benchmark.key) : benchmark.byDefault));
  const machine = machineInfo();
  const sections: BenchSection[] = [];
  for (const benchmark of selected) {
    log(`${benchmark.key}…`);
    sections.push(await benchmark.run({ rounds: args.rounds, log }));
  }
  if (selected.some((benchmark) => benchmark.key === 'service' || benchmark.key === 'image' || benchmark.key === 'cache')) {
    machine.serviceNode = serviceNodeVersion();
  }
  process.stdout.write(args.json ? formatJson(machine, sections) : formatReport(machine, sections));
  const argv = process.argv.slice(2);
  const markdown = formatMarkdown(machine, sections, { command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`, date: new Date().toISOString() });
  const results = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'latest.md'), markdown);
  writeFileSync(join(results, 'latest.json'), formatJson(machine, sections));
  log(`wrote bench/results/latest.md and latest.json`);
  if (args.readme) {
    const readme = join(REPO_ROOT, 'README.md');
    writeFileSync(readme, replaceReadmeTable(readFileSync(readme, 'utf8'), markdown));
    log('updated the table in README.md');
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`bench: the benchmark broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
