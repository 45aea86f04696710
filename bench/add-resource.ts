/**
 * `microforge add resource` against `microforge new` for the same repo (issue 19: within 2x).
 * Each round generates a repo with `new --yes --skip-install --skip-git` (measured), then adds a
 * resource with a field of every type to it (measured): the add renders the previous generation
 * and the next one and plans per file, so it does more than `new`, but must stay within 2x.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureOk, type ProcessMeasurement } from './process.js';
import { roundsResult, type BenchSection } from './result.js';
import { formatSpan } from './stats.js';
import { CLI_PATH, cleanEnv } from './environment.js';

const FIELDS = ['title:string', 'body:text?', 'count:integer', 'price:number?', 'active:boolean', 'dueAt:timestamp?', 'ownerId:uuid'];

export async function runAddResourceBenchmark(options: { rounds: number; log: (line: string) => void }): Promise<BenchSection> {
  // Outside this repository: `add` refuses to run inside a git work tree with uncommitted changes,
  // and .cache/bench sits inside microforge's own.
  const work = mkdtempSync(join(tmpdir(), 'microforge-bench-add-resource-'));
  const env = cleanEnv();
  const samples: Record<'new' | 'add', ProcessMeasurement[]> = { new: [], add: [] };
  // Round 0 warms the page cache and is discarded.
  for (let round = 0; round <= options.rounds; round++) {
    const directory = `shop-${round}`;
    rmSync(join(work, directory), { recursive: true, force: true });
    const created = await measureOk(process.execPath, [CLI_PATH, 'new', directory, '--yes', '--skip-install', '--skip-git'], { cwd: work, env });
    const added = await measureOk(process.execPath, [CLI_PATH, 'add', 'resource', 'order', ...FIELDS.flatMap((field) => ['--field', field]), '--skip-install'], {
      cwd: join(work, directory),
      env,
    });
    rmSync(join(work, directory), { recursive: true, force: true });
    if (round > 0) {
      samples.new.push(created);
      samples.add.push(added);
      options.log(`add-resource: round ${round}/${options.rounds} done`);
    }
  }
  const wall = (key: 'new' | 'add') => samples[key].map((measured) => measured.wallMs);
  const cpu = (key: 'new' | 'add') => samples[key].map((measured) => measured.cpuMs);
  rmSync(work, { recursive: true, force: true });
  return {
    title: `add resource vs new for the same repo (${options.rounds} rounds of one new then one add, ${process.version})`,
    details: [
      `microforge new --yes --skip-install --skip-git: wall ${formatSpan(wall('new'), 0)} ms, CPU ${formatSpan(cpu('new'), 0)} ms (medians, min-max)`,
      `microforge add resource order (7 fields) --skip-install: wall ${formatSpan(wall('add'), 0)} ms, CPU ${formatSpan(cpu('add'), 0)} ms`,
    ],
    results: [
      roundsResult({ name: 'add resource wall time vs new', unit: 'ms', values: wall('add'), baselines: wall('new'), target: 2 }),
      roundsResult({ name: 'add resource CPU time vs new', unit: 'ms', values: cpu('add'), baselines: cpu('new'), target: 2 }),
    ],
  };
}
