/**
 * One load measurement, shared by the service and cache benchmarks so both report the same
 * figures the same way. The load comes from wrk (C, outside Node), pinned to a core of its own
 * with taskset while the service under test is pinned to the other (see pinning.ts), so the load
 * generator neither shares a runtime with the service nor takes CPU it would otherwise use. Beside
 * throughput and latency, the service process's own CPU time per request, read from /proc.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, ensureDir } from './environment.js';
import { LOADGEN_CPU, pinned } from './pinning.js';

export const LOAD_SECONDS = Number(process.env.MICROFORGE_BENCH_LOAD_SECONDS ?? 5);
export const CONNECTIONS = 10;
export const LOAD_THREADS = 1;

export interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The service process's own CPU time per request, in µs (a database's or broker's is not in it). */
  cpuMicrosPerRequest: number;
  requests: number;
  /** Connect/read/write errors, timeouts and non-2xx/3xx answers. */
  errors: number;
}

/** CPU time (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
export function processCpuMs(pid: number | undefined): number {
  // The command name in field 2 may hold spaces; the fields after its closing parenthesis do not.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10;
}

/** wrk's Lua `done` hook: one machine-readable line with the totals and latency percentiles (µs). */
export const WRK_REPORT_SCRIPT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("microforge-wrk %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

export interface WrkSummary {
  requests: number;
  durationUs: number;
  errors: number;
  p50Us: number;
  p99Us: number;
}

/** The line WRK_REPORT_SCRIPT prints; throws when wrk printed none (it failed). */
export function parseWrkReport(output: string): WrkSummary {
  const match = /^microforge-wrk ((?:\d+ ){8}\d+)$/m.exec(output);
  if (!match) throw new Error(`wrk printed no summary: ${output.trim().split('\n').slice(-3).join(' / ')}`);
  const [requests, durationUs, connect, read, write, status, timeout, p50Us, p99Us] = match[1]!.split(' ').map(Number) as number[];
  return { requests: requests!, durationUs: durationUs!, errors: connect! + read! + write! + status! + timeout!, p50Us: p50Us!, p99Us: p99Us! };
}

let wrkScript: string | undefined;

function wrkScriptPath(): string {
  if (!wrkScript) {
    wrkScript = join(ensureDir(CACHE_DIR), 'wrk-report.lua');
    writeFileSync(wrkScript, WRK_REPORT_SCRIPT);
  }
  return wrkScript;
}

/** Fails with one line when wrk is missing, before any service is prepared. */
export function requireWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk --version exits 1 after printing its version; only a missing binary is fatal.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('wrk is not installed (Debian: apt-get install wrk); the service and cache benchmarks load services with it');
  }
}

function runWrk(url: string, seconds: number): Promise<WrkSummary> {
  const [command, args] = pinned(LOADGEN_CPU, 'wrk', ['-t', String(LOAD_THREADS), '-c', String(CONNECTIONS), '-d', `${seconds}s`, '-s', wrkScriptPath(), url]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error(`wrk exited with ${String(code)}: ${output.trim()}`);
        resolve(parseWrkReport(output));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** `pid` is the process serving `url`. */
export async function measureLoad(url: string, pid: number | undefined, seconds = LOAD_SECONDS): Promise<Load> {
  const cpuBefore = processCpuMs(pid);
  const summary = await runWrk(url, seconds);
  const cpuMicrosPerRequest = ((processCpuMs(pid) - cpuBefore) * 1000) / Math.max(1, summary.requests);
  return {
    requestsPerSecond: summary.requests / (summary.durationUs / 1e6),
    p50Ms: summary.p50Us / 1000,
    p99Ms: summary.p99Us / 1000,
    cpuMicrosPerRequest,
    requests: summary.requests,
    errors: summary.errors,
  };
}

/** Every figure of a load over rounds, for roundsResult. */
export function loadSeries(loads: readonly Load[]): { [K in keyof Load]: number[] } {
  return {
    requestsPerSecond: loads.map((one) => one.requestsPerSecond),
    p50Ms: loads.map((one) => one.p50Ms),
    p99Ms: loads.map((one) => one.p99Ms),
    cpuMicrosPerRequest: loads.map((one) => one.cpuMicrosPerRequest),
    requests: loads.map((one) => one.requests),
    errors: loads.map((one) => one.errors),
  };
}
