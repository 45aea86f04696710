/**
 * Measures one child process from a cold start: wall time (monotonic clock, here), CPU time and
 * peak RSS (from the kernel's rusage of the child and its waited-for descendants, through
 * GNU time's -o file, since Node does not expose a child's rusage). Without /usr/bin/time the
 * CPU and memory figures are NaN and only wall time is reported.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

export async function measureProcess(command: string, args: readonly string[], options: MeasureOptions = {}): Promise<ProcessMeasurement> {
  const useTime = existsSync(GNU_TIME);
  const scratch = mkdtempSync(join(tmpdir(), 'microforge-bench-time-'));
  const timeFile = join(scratch, 'time.txt');
  const [file, argv] = useTime ? [GNU_TIME, ['-f', '%U %S %M', '-o', timeFile, command, ...args]] : [command, [...args]];
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
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const usage = useTime && existsSync(timeFile) ? parseTimeOutput(readFileSync(timeFile, 'utf8')) : { cpuMs: Number.NaN, peakRssKiB: Number.NaN };
    return { wallMs, ...usage, exitCode, stderr };
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
