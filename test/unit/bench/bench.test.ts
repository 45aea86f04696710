import { spawn } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { parseBenchArguments } from '../../../bench/arguments.js';
import { parseTimeOutput } from '../../../bench/process.js';
import { formatJson, formatReport, formatTable } from '../../../bench/report.js';
import { processCpuMs } from '../../../bench/load.js';
import { benchResult, verdict } from '../../../bench/result.js';
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
    const busy = spawn(process.execPath, ['-e', "while (process.cpuUsage().user < 400_000); console.log('done'); setTimeout(() => {}, 10_000);"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sleeper = spawn('sleep', ['10']);
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
    expect(parseBenchArguments([], known)).toEqual({ json: false, rounds: 5 });
    expect(parseBenchArguments(['--json', '--only', 'generation,service', '--rounds=3'], known)).toEqual({ json: true, only: ['generation', 'service'], rounds: 3 });
    expect(() => parseBenchArguments(['--only', 'nope'], known)).toThrow(/unknown benchmark 'nope'/);
    expect(() => parseBenchArguments(['--fast'], known)).toThrow(/unknown option/);
    expect(() => parseBenchArguments(['--rounds', '0'], known)).toThrow(/positive integer/);
  });
});
