/**
 * Which core each side of a load measurement owns: the service under test (and its baseline, the
 * same way) on one, the load generator on the other, with taskset. On a machine with one core, or
 * without taskset, nothing is pinned and the report says so.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export const SERVICE_CPU = 0;
export const LOADGEN_CPU = 1;

let usable: boolean | undefined;

export function pinningAvailable(): boolean {
  if (usable === undefined) {
    try {
      execFileSync('taskset', ['-c', String(LOADGEN_CPU), 'true'], { stdio: 'ignore' });
      usable = availableParallelism() >= 2;
    } catch {
      usable = false;
    }
  }
  return usable;
}

/** [command, args] that run `command` on `cpu` only (taskset execs it: the pid is the command's). */
export function pinned(cpu: number, command: string, args: readonly string[]): [string, string[]] {
  return pinningAvailable() ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, [...args]];
}

export function pinningNote(): string {
  return pinningAvailable()
    ? `service pinned to CPU ${SERVICE_CPU} and the load generator to CPU ${LOADGEN_CPU} (taskset); PostgreSQL, Redis and brokers are not pinned`
    : 'not pinned (taskset or a second CPU missing): the load generator and the service share the cores';
}
