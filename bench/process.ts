/**
 * Measures one child process from a cold start, whole: wall time, CPU time and peak RSS from the
 * kernel's rusage of the child and its waited-for descendants. Node exposes neither a child's
 * rusage nor a wall time free of its own spawn overhead, so a small C wrapper (rusage-run.c,
 * compiled once into .cache/bench with the machine's cc) forks, execs, reaps with wait4 and
 * writes the figures in microseconds. Without a C compiler, GNU time's -o file gives CPU to
 * 10 ms and wall time is taken here; without either, CPU and memory are NaN.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_DIR, ensureDir, REPO_ROOT } from './environment.js';

export interface ProcessMeasurement {
  wallMs: number;
  cpuMs: number;
  peakRssKiB: number;
  exitCode: number | null;
  stderr: string;
}

export interface MeasureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const GNU_TIME = '/usr/bin/time';

/** Parses GNU time's output for the format '%U %S %M' (user s, system s, max RSS KiB); the last line holds the figures. */
export function parseTimeOutput(text: string): { cpuMs: number; peakRssKiB: number } {
  const line = text.trim().split('\n').filter((candidate) => /^\d+(\.\d+)? \d+(\.\d+)? \d+$/.test(candidate.trim())).pop();
  if (!line) return { cpuMs: Number.NaN, peakRssKiB: Number.NaN };
  const [user, system, rss] = line.trim().split(' ').map(Number) as [number, number, number];
  return { cpuMs: Math.round((user + system) * 1000), peakRssKiB: rss };
}

/** Parses rusage-run's line "wall_us user_us system_us maxrss_kib exit_status". */
export function parseRusageOutput(text: string): { wallMs: number; cpuMs: number; peakRssKiB: number } {
  const match = /^(\d+) (\d+) (\d+) (\d+) (\d+)\s*$/.exec(text);
  if (!match) return { wallMs: Number.NaN, cpuMs: Number.NaN, peakRssKiB: Number.NaN };
  const [wall, user, system, rss] = match.slice(1, 5).map(Number) as [number, number, number, number];
  return { wallMs: wall / 1000, cpuMs: (user + system) / 1000, peakRssKiB: rss };
}

let rusageRun: string | null | undefined;

/** The compiled rusage-run, or null when there is no C compiler. */
function rusageRunPath(): string | null {
  if (rusageRun === undefined) {
    const source = join(REPO_ROOT, 'bench', 'rusage-run.c');
    const binary = join(ensureDir(CACHE_DIR), 'rusage-run');
    try {
      execFileSync('cc', ['-O2', '-o', binary, source], { stdio: ['ignore', 'ignore', 'pipe'] });
      rusageRun = binary;
    } catch {
      rusageRun = null;
    }
  }
  return rusageRun;
}

/** How processes are measured, for the report. */
export function processMeasurementNote(): string {
  if (rusageRunPath()) return 'whole process, wall time fork-to-reap and CPU (user + system) from wait4, µs resolution (bench/rusage-run.c)';
  return existsSync(GNU_TIME) ? 'wall time from spawn to exit, CPU from GNU time (10 ms resolution)' : 'wall time from spawn to exit only (no C compiler, no GNU time)';
}

export async function measureProcess(command: string, args: readonly string[], options: MeasureOptions = {}): Promise<ProcessMeasurement> {
  const wrapper = rusageRunPath();
  const useTime = !wrapper && existsSync(GNU_TIME);
  const scratch = mkdtempSync(join(tmpdir(), 'microforge-bench-time-'));
  const timeFile = join(scratch, 'time.txt');
  const [file, argv] = wrapper ? [wrapper, [timeFile, command, ...args]] : useTime ? [GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, command, ...args]] : [command, [...args]];
  try {
    const started = process.hrtime.bigint();
    const { exitCode, stderr } = await new Promise<{ exitCode: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderrText = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderrText.length < 20_000) stderrText += chunk;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code, stderr: stderrText });
      });
    });
    const spawnedWallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (wrapper) {
      const usage = existsSync(timeFile) ? parseRusageOutput(readFileSync(timeFile, 'utf8')) : { wallMs: Number.NaN, cpuMs: Number.NaN, peakRssKiB: Number.NaN };
      return { ...usage, exitCode, stderr };
    }
    const usage = useTime && existsSync(timeFile) ? parseTimeOutput(readFileSync(timeFile, 'utf8')) : { cpuMs: Number.NaN, peakRssKiB: Number.NaN };
    return { wallMs: spawnedWallMs, ...usage, exitCode, stderr };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** measureProcess, failing (the benchmark is broken) when the process does. */
export async function measureOk(command: string, args: readonly string[], options: MeasureOptions = {}): Promise<ProcessMeasurement> {
  const measured = await measureProcess(command, args, options);
  if (measured.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${String(measured.exitCode)}: ${measured.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return measured;
}
