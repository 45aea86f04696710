import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseBenchArguments } from '../../../bench/arguments.js';
import { renderFloorScript } from '../../../bench/floor-render.js';
import { floorScript, readTree, treeDifference } from '../../../bench/floor-write.js';
import { CLI_PATH } from '../../../bench/environment.js';
import { renderRepo } from '../../../generators/lib/render.js';
import { completeSpec } from '../../../generators/lib/spec.js';
import { measureProcess, parseRusageOutput, parseTimeOutput } from '../../../bench/process.js';
import { formatJson, formatMarkdown, formatReport, formatTable, README_BEGIN, README_END, replaceReadmeTable } from '../../../bench/report.js';
import { parseWrkReport, processCpuMs } from '../../../bench/load.js';
import { benchResult, roundsResult, verdict } from '../../../bench/result.js';
import { formatNumber, formatRatio, mean, median, percentile } from '../../../bench/stats.js';

describe('bench statistics', () => {
  it('takes the median of odd and even samples, ignoring non-finite values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([2, Number.NaN, 4])).toBe(3);
    expect(median([])).toBeNaN();
  });

  it('interpolates percentiles and clamps p', () => {
    const values = Array.from({ length: 101 }, (_, index) => index);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([10, 20], 75)).toBe(17.5);
    expect(percentile([1, 2, 3], 150)).toBe(3);
    expect(mean([1, 2, 6])).toBe(3);
  });

  it('formats numbers and ratios for the table', () => {
    expect(formatNumber(1234.4)).toBe('1,234');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(Number.NaN)).toBe('-');
    expect(formatRatio(1.234)).toBe('1.23x');
  });
});

describe('bench results', () => {
  it('computes the ratio and judges it in the right direction', () => {
    const time = benchResult({ name: 'wall', unit: 'ms', value: 300, baseline: 200, target: 2 });
    expect(time.ratio).toBe(1.5);
    expect(verdict(time)).toBe('pass');
    expect(verdict(benchResult({ name: 'wall', unit: 'ms', value: 500, baseline: 200, target: 2 }))).toBe('miss');
    expect(verdict(benchResult({ name: 'rps', unit: 'req/s', value: 700, baseline: 1000, target: 0.8 }))).toBe('miss');
    expect(verdict(benchResult({ name: 'rps', unit: 'req/s', value: 900, baseline: 1000, target: 0.8 }))).toBe('pass');
    expect(verdict(benchResult({ name: 'info', unit: 'MiB', value: 1, baseline: 1 }))).toBeUndefined();
    expect(benchResult({ name: 'zero', unit: 'ms', value: 1, baseline: 0, target: 1 }).ratio).toBeNaN();
  });

  it('prints a table with ratio, target and mark, and JSON without NaN', () => {
    const results = [
      benchResult({ name: 'generation wall time vs floor', unit: 'ms', value: 600, baseline: 400, target: 2 }),
      benchResult({ name: 'throughput', unit: 'req/s', value: 50, baseline: 100, target: 0.8, notes: 'on 2 cores' }),
    ];
    const table = formatTable(results).join('\n');
    expect(table).toMatch(/generation wall time vs floor\s+1\.50x\s+<= 2\.00x\s+pass\s+600\s+400\s+ms/);
    expect(table).toMatch(/throughput\s+0\.50x\s+>= 0\.80x\s+miss/);
    expect(table).toContain('* throughput: on 2 cores');
    const machine = { cpus: 2, cpuModel: 'test cpu', node: 'v20.0.0', os: 'linux-x64' };
    const report = formatReport(machine, [{ title: 'Section', results }]);
    expect(report).toContain('Targets: 1 met, 1 missed (throughput).');
    const json = JSON.parse(formatJson(machine, [{ title: 'Section', results: [...results, benchResult({ name: 'x', unit: 'ms', value: 1, baseline: 0 })] }]));
    expect(json.sections[0].results[0]).toMatchObject({ ratio: 1.5, verdict: 'pass' });
    expect(json.sections[0].results[2].ratio).toBeNull();
  });
});

describe('bench plumbing', () => {
  it('reads a process\'s CPU time from /proc: what it spent busy, nothing while asleep', async () => {
    // Child processes, so the figure is exactly theirs: the test runner's own threads are never idle.
    // Both outlive the test by far (killed in finally): on a loaded machine the busy loop's 400 ms
    // of CPU took over 10 s of wall time, and a sleeper that had already exited had no /proc entry.
    // The loop asks for its CPU time only every few million additions: each process.cpuUsage() is
    // a getrusage system call, and asked in a tight loop they took seconds of system time (3.1 s
    // in one CI run) before the user time reached 400 ms.
    const busy = spawn(
      process.execPath,
      ['-e', "let sum = 0; while (process.cpuUsage().user < 400_000) for (let i = 0; i < 5e6; i++) sum += i; console.log('done', sum > 0); setTimeout(() => {}, 300_000);"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const sleeper = spawn('sleep', ['300']);
    try {
      await new Promise((resolve) => busy.stdout.once('data', resolve));
      const spent = processCpuMs(busy.pid);
      expect(spent).toBeGreaterThanOrEqual(400);
      expect(spent).toBeLessThan(3000);
      const asleep = processCpuMs(sleeper.pid);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(processCpuMs(sleeper.pid)).toBe(asleep);
      expect(processCpuMs(sleeper.pid)).toBeLessThan(50);
    } finally {
      busy.kill();
      sleeper.kill();
    }
  });

  it('reads GNU time output, even after the child wrote to the same file', () => {
    expect(parseTimeOutput('0.52 0.10 81234\n')).toEqual({ cpuMs: 620, peakRssKiB: 81234 });
    expect(parseTimeOutput('Command exited with non-zero status 1\n0.01 0.00 4000\n')).toEqual({ cpuMs: 10, peakRssKiB: 4000 });
    expect(parseTimeOutput('')).toEqual({ cpuMs: Number.NaN, peakRssKiB: Number.NaN });
  });

  it('parses --json, --only and --rounds, and refuses unknown input', () => {
    const known = ['generation', 'service'];
    expect(parseBenchArguments([], known)).toEqual({ json: false, readme: false, rounds: 5 });
    expect(parseBenchArguments(['--json', '--only', 'generation,service', '--rounds=3'], known)).toEqual({ json: true, readme: false, only: ['generation', 'service'], rounds: 3 });
    expect(parseBenchArguments(['--readme', '--rounds', '7'], known)).toEqual({ json: false, readme: true, rounds: 7 });
    expect(() => parseBenchArguments(['--readme', '--only', 'service'], known)).toThrow(/full run/);
    expect(() => parseBenchArguments(['--only', 'nope'], known)).toThrow(/unknown benchmark 'nope'/);
    expect(() => parseBenchArguments(['--fast'], known)).toThrow(/unknown option/);
    expect(() => parseBenchArguments(['--rounds', '0'], known)).toThrow(/positive integer/);
  });
});

describe('bench figures over rounds', () => {
  it('pairs rounds: the ratio is the median of per-round ratios, with the min-max of each', () => {
    // Round 2 of both was slow (a neighbour's burst); the paired ratio does not move.
    const result = roundsResult({ name: 'rps', unit: 'req/s', values: [90, 45, 92], baselines: [100, 50, 100], target: 0.9 });
    expect(result.ratio).toBeCloseTo(0.9);
    expect(result.ratioRange).toEqual([0.9, 0.92]);
    expect(result.value).toBe(90);
    expect(result.valueRange).toEqual([45, 92]);
    expect(result.baselineRange).toEqual([50, 100]);
    expect(result.rounds).toBe(3);
    expect(verdict(result)).toBe('pass');
    // Unpaired (different counts): the ratio of the medians, no ratio range.
    const unpaired = roundsResult({ name: 'x', unit: 'ms', values: [1, 3], baselines: [1] });
    expect(unpaired.ratio).toBe(2);
    expect(unpaired.ratioRange).toBeUndefined();
  });

  it('prints the spread in the terminal table and the Markdown table, and replaces only the README block', () => {
    const results = [roundsResult({ name: 'livez', unit: 'req/s', values: [80, 90, 85], baselines: [100, 100, 100], target: 0.9 })];
    expect(formatTable(results).join('\n')).toMatch(/livez\s+0\.85x\s+0\.80-0\.90x\s+>= 0\.90x\s+miss\s+85\.0\s+80\.0-90\.0\s+100\s+100-100\s+req\/s/);
    const machine = { cpus: 2, cpuModel: 'test cpu', node: 'v20.0.0', os: 'linux-x64' };
    const markdown = formatMarkdown(machine, [{ title: 'Service', results }], { command: 'npm run bench -- --readme', date: '2026-12-02T03:00:00Z' });
    expect(markdown).toContain('`npm run bench -- --readme` on 2026-12-02');
    expect(markdown).toContain('| Service | livez | 0.85x (0.80-0.90x) | >= 0.90x ✘ | 85.0 (80.0-90.0) | 100 (100-100) | req/s |');
    const readme = `# x\n\nbefore\n${README_BEGIN}\nold table\n${README_END}\nafter\n`;
    const replaced = replaceReadmeTable(readme, markdown);
    expect(replaced).not.toContain('old table');
    expect(replaced.startsWith(`# x\n\nbefore\n${README_BEGIN}\n`)).toBe(true);
    expect(replaced.endsWith(`${markdown}${README_END}\nafter\n`)).toBe(true);
    expect(replaceReadmeTable(replaced, 'new\n')).toContain(`${README_BEGIN}\nnew\n${README_END}`);
    expect(() => replaceReadmeTable('# no markers\n', markdown)).toThrow(/no bench markers/);
  });

  it('reads the summary line of wrk\'s done hook, counting every kind of error', () => {
    const output = 'Running 5s test @ http://127.0.0.1:3000/livez\nmicroforge-wrk 250000 5001234 1 2 3 4 5 95 870\n';
    expect(parseWrkReport(output)).toEqual({ requests: 250000, durationUs: 5001234, errors: 15, p50Us: 95, p99Us: 870 });
    expect(() => parseWrkReport('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(/no summary.*Connection refused/);
  });

  it('measures a whole process with microsecond CPU from wait4', async () => {
    expect(parseRusageOutput('52345 40100 9900 81234 0\n')).toEqual({ wallMs: 52.345, cpuMs: 50, peakRssKiB: 81234 });
    expect(parseRusageOutput('garbage')).toEqual({ wallMs: Number.NaN, cpuMs: Number.NaN, peakRssKiB: Number.NaN });
    const busy = await measureProcess(process.execPath, ['-e', 'const end = process.cpuUsage().user + 200_000; while (process.cpuUsage().user < end);']);
    expect(busy.exitCode).toBe(0);
    expect(busy.cpuMs).toBeGreaterThanOrEqual(200);
    expect(busy.wallMs).toBeGreaterThanOrEqual(busy.cpuMs * 0.5);
    // Not a multiple of GNU time's 10 ms: the figure has microsecond resolution.
    expect(busy.cpuMs % 10).not.toBe(0);
  }, 30_000);
});

describe('the generation floor', () => {
  it('writes exactly the tree it was made from, and tells a different tree apart', async () => {
    const work = mkdtempSync(join(tmpdir(), 'microforge-floor-test-'));
    try {
      const source = join(work, 'source');
      mkdirSync(join(source, 'src', 'deep'), { recursive: true });
      writeFileSync(join(source, 'README.md'), 'héllo `${x}` \\ "quotes"\n');
      writeFileSync(join(source, 'src', 'deep', 'image.bin'), Buffer.from([0xff, 0x00, 0xfe]));
      writeFileSync(join(source, 'run.sh'), '#!/bin/sh\n');
      chmodSync(join(source, 'run.sh'), 0o755);
      const expected = readTree(source);
      writeFileSync(join(work, 'floor.mjs'), floorScript(expected));
      const measured = await measureProcess(process.execPath, [join(work, 'floor.mjs'), join(work, 'out')]);
      expect(measured.exitCode).toBe(0);
      expect(treeDifference(expected, readTree(join(work, 'out')))).toBeUndefined();
      writeFileSync(join(work, 'out', 'README.md'), 'changed\n');
      expect(treeDifference(expected, readTree(join(work, 'out')))).toBe('README.md differs');
      chmodSync(join(work, 'out', 'run.sh'), 0o644);
      rmSync(join(work, 'out', 'README.md'));
      expect(treeDifference(expected, readTree(join(work, 'out')))).toBe('README.md is missing');
      expect(treeDifference(expected.filter((file) => file.path !== 'README.md'), readTree(join(work, 'out')))).toBe('run.sh has mode 644, not 755');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the render floor', () => {
  it('writes what renderRepo renders, through the renderer the package ships', async () => {
    const work = mkdtempSync(join(tmpdir(), 'microforge-render-floor-test-'));
    try {
      const spec = completeSpec({ storage: 'postgres', messaging: 'none' }, 'floor-check');
      const script = join(work, 'render-floor.mjs');
      writeFileSync(script, renderFloorScript(join(dirname(CLI_PATH), 'renderer.js'), spec, { XDG_CACHE_HOME: join(work, 'cache') }));
      const measured = await measureProcess(process.execPath, [script, join(work, 'out')]);
      expect(measured.exitCode).toBe(0);
      const written = readTree(join(work, 'out')).map((file) => [file.path, file.contents.toString('utf8')]);
      expect(written).toEqual([...renderRepo(spec)].map(([path, contents]) => [path, contents.toString('utf8')]));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 30_000);
});
