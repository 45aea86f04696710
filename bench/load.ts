/**
 * One load measurement, shared by the service and cache benchmarks so both report the same
 * figures the same way: autocannon for a fixed time against one URL, plus the service process's
 * own CPU time per request from /proc, which (unlike throughput) the load generator cannot sway
 * when it shares the machine's cores with the service.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { median } from './stats.js';

export const LOAD_SECONDS = 3;
export const CONNECTIONS = 10;

export interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The service process's own CPU time per request, in µs (a database's or broker's is not in it). */
  cpuMicrosPerRequest: number;
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

/** `pid` is the process serving `url`. */
export async function measureLoad(url: string, pid: number | undefined): Promise<Load> {
  const cpuBefore = processCpuMs(pid);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: LOAD_SECONDS });
  const cpuMicrosPerRequest = ((processCpuMs(pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** The median of each figure over rounds; errors are summed. */
export function medianLoad(loads: readonly Load[]): Load {
  return {
    requestsPerSecond: median(loads.map((one) => one.requestsPerSecond)),
    p50Ms: median(loads.map((one) => one.p50Ms)),
    p99Ms: median(loads.map((one) => one.p99Ms)),
    cpuMicrosPerRequest: median(loads.map((one) => one.cpuMicrosPerRequest)),
    errors: loads.reduce((sum, one) => sum + one.errors, 0),
  };
}
