/** Where the benchmark keeps its tools and work (git-ignored), and the environments it runs things in. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json')) || !readFileSync(join(directory, 'package.json'), 'utf8').includes('"create-microforge"')) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('bench: cannot find the microforge repository root');
    directory = parent;
  }
  return directory;
}

export const REPO_ROOT = findRepoRoot();
export const CACHE_DIR = join(REPO_ROOT, '.cache', 'bench');
export const WORK_DIR = join(CACHE_DIR, 'work');
/** The CLI as installed: package.json's bin, so the bench times what users run (bundled or not). */
export const CLI_PATH = join(REPO_ROOT, (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['microforge']!);

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** process.env without what `npm run bench` puts there (npm_*, INIT_CWD, NODE_OPTIONS, ...), which would leak into nested npm runs. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(npm_|INIT_CWD$|NODE$|NODE_OPTIONS$|NODE_ENV$|NODE_COMPILE_CACHE$|NODE_DISABLE_COMPILE_CACHE$|FORCE_COLOR$)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

let serviceNodeBin: string | undefined;

/** The Node bin dir generated services run on (scripts/ensure-node.sh; fetched once). */
export function serviceNodeBinDir(): string {
  serviceNodeBin ??= execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-node.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop();
  if (!serviceNodeBin) throw new Error('scripts/ensure-node.sh printed no bin dir');
  return serviceNodeBin;
}

/** The services' node executable. */
export function serviceNodeBinary(): string {
  return join(serviceNodeBinDir(), 'node');
}

let serviceNodeVersionText: string | undefined;

/** `node --version` of the services' Node, asked once. */
export function serviceNodeVersion(): string {
  serviceNodeVersionText ??= execFileSync(serviceNodeBinary(), ['--version'], { encoding: 'utf8' }).trim();
  return serviceNodeVersionText;
}

export function serviceNodeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = cleanEnv();
  return { ...env, PATH: `${serviceNodeBinDir()}:${env.PATH ?? '/usr/bin:/bin'}`, ...extra };
}

/** Runs a command to completion (setup steps, not measured); throws with the tail of its output on failure. */
export async function run(command: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} (in ${options.cwd ?? process.cwd()}) exited with ${String(code)}:\n${output.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  serviceNode?: string;
  os: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux: os.cpus() it is
  }
  let count = cpus().length;
  try {
    count = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || count;
  } catch {
    // no nproc
  }
  return { cpus: count, cpuModel, node: process.version, os: `${process.platform}-${process.arch}` };
}
