/**
 * The end-to-end suite's wall time over all combinations (opt-in: `--only matrix`; it runs the
 * whole e2e Jest project, minutes on 2 cores). Per test, from Jest's JSON report; the install
 * step per combination is in the image section (same npm cache, measured there).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, cleanEnv, run } from './environment.js';
import { benchResult, type BenchSection } from './result.js';

interface JestJson {
  testResults: Array<{ name: string; assertionResults: Array<{ fullName: string; duration?: number | null; status: string }> }>;
}

export async function runMatrixBenchmark(options: { log: (line: string) => void }): Promise<BenchSection> {
  const scratch = mkdtempSync(join(tmpdir(), 'microforge-bench-matrix-'));
  const output = join(scratch, 'jest.json');
  options.log('matrix: running the e2e project (this takes minutes)');
  const started = process.hrtime.bigint();
  try {
    await run(
      process.execPath,
      ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--selectProjects', 'e2e', '--json', `--outputFile=${output}`, '--testTimeout=600000'],
      { cwd: REPO_ROOT, env: cleanEnv() },
    ).catch((error: unknown) => options.log(`matrix: e2e suite failed (figures still reported): ${String(error).split('\n')[0]}`));
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const report = JSON.parse(readFileSync(output, 'utf8')) as JestJson;
    const tests = report.testResults.flatMap((file) => file.assertionResults.map((test) => ({ ...test, file: file.name.replace(`${REPO_ROOT}/`, '') })));
    return {
      title: 'End-to-end matrix (this repo\'s e2e Jest project)',
      results: [benchResult({ name: 'e2e suite wall time vs the 20-minute CI budget', unit: 's', value: wallSeconds, baseline: 1200, target: 1, notes: 'baseline is the budget, not a measurement' })],
      details: tests.map((test) => `${((test.duration ?? 0) / 1000).toFixed(1)} s  ${test.status}  ${test.fullName}`),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
