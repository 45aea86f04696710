// Real OCI images of generated services, built and run with podman (no Docker engine, no
// registry here): scripts/container-setup.sh prepares podman and local base images,
// scripts/build-image.sh builds a repo's Dockerfile unchanged and hermetically, and
// runHardenedContainer() runs the image the way the Deployment's securityContext does.
// Needs root. Everything created (images, containers) is undone by cleanupAll().
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { registerCleanup } from './cleanup.js';
import { cleanHostEnv, type Env } from './env.js';
import { waitForHttp as pollHttp, type HttpResponse, type WaitForHttpOptions } from './http.js';
import { freePort } from './net.js';
import { waitUntil } from './wait.js';
import { REPO_ROOT } from './paths.js';

export const CONTAINER_SETUP_SCRIPT: string = path.join(REPO_ROOT, 'scripts', 'container-setup.sh');
export const BUILD_IMAGE_SCRIPT: string = path.join(REPO_ROOT, 'scripts', 'build-image.sh');
/** container-setup.sh's exit code for "podman cannot work on this machine". */
export const PODMAN_UNUSABLE_EXIT = 3;

export type ContainerRuntime =
  | { available: true; env: Env; nodeImage: string; setupMs: number }
  | { available: false; reason: string; setupMs: number };

let runtime: Promise<ContainerRuntime> | undefined;

/**
 * Runs scripts/container-setup.sh once per process (idempotent: ~1 s when ready; a cold machine
 * installs packages and builds the base images, ~1.5 min). Never throws for an unusable machine:
 * `available: false` carries the script's one-line reason for the test to report.
 */
export function ensureContainerRuntime(): Promise<ContainerRuntime> {
  runtime ??= (async (): Promise<ContainerRuntime> => {
    const t0 = Date.now();
    if (process.getuid?.() !== 0) return { available: false, reason: 'podman unusable: the e2e tests run as root only', setupMs: 0 };
    const r = await execa('bash', [CONTAINER_SETUP_SCRIPT], {
      env: cleanHostEnv(),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 900_000,
    });
    const setupMs = Date.now() - t0;
    if (r.exitCode !== 0) {
      const lines = String(r.stderr).trim().split('\n');
      const reason = lines.findLast((l) => l.includes('podman unusable:')) ?? lines.slice(-5).join(' | ');
      return { available: false, reason: `${reason} (container-setup.sh exit ${String(r.exitCode)}${r.timedOut ? ', timed out' : ''})`, setupMs };
    }
    const env: Env = {};
    for (const line of String(r.stdout).split('\n')) {
      const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      // The values are paths/tags without spaces or quotes (printf %q leaves them unchanged).
      if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2];
    }
    const nodeImage = env.MICROFORGE_NODE_IMAGE;
    if (!env.CONTAINERS_CONF || !env.CONTAINERS_STORAGE_CONF || !nodeImage) {
      return { available: false, reason: `container-setup.sh printed no environment: ${String(r.stdout).slice(0, 300)}`, setupMs };
    }
    return { available: true, env, nodeImage, setupMs };
  })();
  return runtime;
}

async function readyRuntime(): Promise<{ env: Env; nodeImage: string }> {
  const rt = await ensureContainerRuntime();
  if (!rt.available) throw new Error(rt.reason);
  return rt;
}

/** `podman ...args` with the setup's configuration; never throws on a non-zero exit. */
export async function podman(args: readonly string[], opts: { timeoutMs?: number } = {}) {
  const { env } = await readyRuntime();
  return execa('podman', args, {
    env: cleanHostEnv(env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: opts.timeoutMs ?? 120_000,
  });
}

/** A tag nobody else uses: localhost/<name>:e2e-<pid>-<random>. */
export function uniqueImageTag(name: string): string {
  const safe = name.toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '') || 'svc';
  return `localhost/${safe}:e2e-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export interface BuiltImage {
  tag: string;
  sizeBytes: number;
  durationMs: number;
  /** build-image.sh's output (npm cache warm-up and podman build log). */
  output: string;
  /** Remove the image now (also done by cleanupAll()). */
  remove(): Promise<void>;
}

/** "123.4 MiB" */
export function formatMiB(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/**
 * scripts/build-image.sh DIR TAG: the repo's Dockerfile, unchanged, built without network from a
 * host-warmed npm cache. The image (and dangling build layers) are removed by cleanupAll().
 */
export async function buildImage(dir: string, tag: string, opts: { timeoutMs?: number } = {}): Promise<BuiltImage> {
  const { env } = await readyRuntime();
  const t0 = Date.now();
  let removed = false;
  const remove = registerCleanup(`image ${tag}`, async () => {
    if (removed) return;
    removed = true;
    await podman(['rmi', '--force', tag]);
    // The build's intermediate stages are untagged; drop those no image uses any more.
    await podman(['image', 'prune', '--force']);
  });
  const r = await execa('bash', [BUILD_IMAGE_SCRIPT, dir, tag], {
    env: cleanHostEnv(env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: opts.timeoutMs ?? 900_000,
  });
  const output = String(r.all ?? '');
  if (r.exitCode !== 0) {
    const tail = output.length > 8000 ? `…${output.slice(-8000)}` : output;
    throw new Error(`build-image.sh ${dir} ${tag}: exit ${String(r.exitCode)}${r.timedOut ? ' (timed out)' : ''}\n${tail}`);
  }
  const inspect = await podman(['image', 'inspect', '--format', '{{.Size}}', tag]);
  const sizeBytes = Number(String(inspect.stdout).trim());
  if (inspect.exitCode !== 0 || !Number.isFinite(sizeBytes) || sizeBytes <= 0) {
    throw new Error(`podman image inspect ${tag}: ${String(inspect.all)}`);
  }
  return { tag, sizeBytes, durationMs: Date.now() - t0, output, remove };
}

export interface HardenedContainerOptions {
  image: string;
  /**
   * Host port. slirp4netns (default): published on 127.0.0.1:port to containerPort. host: the
   * service shares the host network and gets PORT=port (and HOST=127.0.0.1 unless env has HOST).
   * Default: a free port.
   */
  port?: number;
  /** Port the service listens on inside the container with slirp4netns (default: env.PORT, else 8080). */
  containerPort?: number;
  env?: Env;
  /** 'slirp4netns' (own network namespace, loopback-only publish) or 'host' (reach host services). */
  network?: 'slirp4netns' | 'host';
  /** Size of the /tmp tmpfs in MiB (default 64). */
  tmpSizeMb?: number;
  /** Default 10001:10001, the Deployment's runAsUser/runAsGroup. */
  user?: string;
  /** Overrides the image's CMD (default: none, the image's own). */
  command?: readonly string[];
}

export interface ContainerStop {
  /** The container's exit code (137 when it was killed after the grace period). */
  exitCode: number;
  /** From the start of `podman stop` until the container was gone. */
  durationMs: number;
}

export interface HardenedContainer {
  readonly name: string;
  readonly id: string;
  readonly port: number;
  readonly baseUrl: string;
  /** The exact `podman run` arguments (for failure messages). */
  readonly args: readonly string[];
  /** Container stdout/stderr lines as they came. */
  readonly lines: string[];
  output(): string;
  /**
   * The output once it holds `text`, or as it is after `timeoutMs`: `podman logs --follow` reads
   * conmon's log file and can trail the container, so a line written before /readyz answered may
   * not have reached us yet.
   */
  outputHolding(text: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code when the container exits (on its own or by stop()). */
  readonly exited: Promise<number>;
  /** Set once exited. */
  readonly exitCode: number | undefined;
  /** Poll a path (or URL); fails fast if the container exits. */
  waitForHttp<T = unknown>(urlOrPath: string, opts?: WaitForHttpOptions): Promise<HttpResponse<T>>;
  /** `podman stop -t graceSec` (SIGTERM, SIGKILL after graceSec, default 10), then remove it. */
  stop(opts?: { graceSec?: number }): Promise<ContainerStop>;
}

/** Flags shared by every hardened run: what the Deployment's securityContext enforces. */
export function hardenedRunFlags(opts: { user?: string; tmpSizeMb?: number } = {}): string[] {
  return [
    '--read-only',
    // Without it podman also mounts writable tmpfs on /var/tmp and /run.
    '--read-only-tmpfs=false',
    '--tmpfs', `/tmp:rw,nosuid,nodev,size=${opts.tmpSizeMb ?? 64}m`,
    '--user', opts.user ?? '10001:10001',
    '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges',
  ];
}

/** `podman run -d` the image hardened; resolves once the container runs (not once it is ready). */
export async function runHardenedContainer(opts: HardenedContainerOptions): Promise<HardenedContainer> {
  await readyRuntime();
  const network = opts.network ?? 'slirp4netns';
  const port = opts.port ?? (await freePort());
  const env: Env = { ...opts.env };
  const netArgs: string[] = [];
  if (network === 'host') {
    env.PORT ??= String(port);
    env.HOST ??= '127.0.0.1';
    if (env.PORT !== String(port)) throw new Error(`runHardenedContainer: with --network host, env.PORT (${env.PORT}) must equal port (${port})`);
    netArgs.push('--network', 'host');
  } else {
    const containerPort = opts.containerPort ?? (env.PORT !== undefined ? Number(env.PORT) : 8080);
    netArgs.push('--network', 'slirp4netns:port_handler=slirp4netns', '--publish', `127.0.0.1:${port}:${containerPort}`);
  }
  for (const key of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`runHardenedContainer: bad environment variable name ${JSON.stringify(key)}`);
  }
  const name = `microforge-e2e-${process.pid}-${randomBytes(4).toString('hex')}`;
  const args = [
    'run', '--detach', '--pull=never', '--name', name,
    ...hardenedRunFlags(opts),
    ...netArgs,
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    opts.image,
    ...(opts.command ?? []),
  ];

  let removed = false;
  let follower: ChildProcess | undefined;
  let waiter: ChildProcess | undefined;
  const removeContainer = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    follower?.kill('SIGKILL');
    waiter?.kill('SIGKILL');
    await podman(['rm', '--force', '--time', '0', '--ignore', name]);
  };
  const unregister = registerCleanup(`container ${name}`, removeContainer);

  const run = await podman(args, { timeoutMs: 120_000 });
  if (run.exitCode !== 0) {
    await unregister();
    throw new Error(`podman ${args.join(' ')}\nexit ${String(run.exitCode)}: ${String(run.all)}`);
  }
  const id = String(run.stdout).trim().split('\n').pop() ?? name;

  const { env: podmanEnv } = await readyRuntime();
  const spawnEnv = cleanHostEnv(podmanEnv);
  const lines: string[] = [];
  follower = spawn('podman', ['logs', '--follow', name], { stdio: ['ignore', 'pipe', 'pipe'], env: spawnEnv });
  const logsDone = new Promise<void>((resolve) => follower!.once('close', () => resolve()));
  for (const stream of [follower.stdout!, follower.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => lines.push(line));
  }

  let exitCode: number | undefined;
  waiter = spawn('podman', ['wait', name], { stdio: ['ignore', 'pipe', 'ignore'], env: spawnEnv });
  let waitOut = '';
  waiter.stdout!.on('data', (chunk: Buffer) => (waitOut += chunk.toString()));
  const exited = new Promise<number>((resolve) => {
    waiter!.once('close', () => {
      const code = Number(waitOut.trim().split('\n').pop());
      exitCode = Number.isFinite(code) && waitOut.trim() !== '' ? code : -1;
      resolve(exitCode);
    });
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const output = (): string => lines.join('\n');
  const handle: HardenedContainer = {
    name,
    id,
    port,
    baseUrl,
    args,
    lines,
    output,
    outputHolding: (text, timeoutMs = 10_000) =>
      waitUntil(`${JSON.stringify(text)} in the output of ${name}`, () => Promise.resolve(output().includes(text) ? output() : undefined), timeoutMs, 100)
        .catch(() => output()),
    exited,
    get exitCode() {
      return exitCode;
    },
    waitForHttp<T = unknown>(urlOrPath: string, waitOpts: WaitForHttpOptions = {}): Promise<HttpResponse<T>> {
      const url = /^https?:\/\//.test(urlOrPath) ? urlOrPath : `${baseUrl}${urlOrPath}`;
      return pollHttp<T>(url, {
        timeoutMs: 60_000,
        ...waitOpts,
        abortIf: () => {
          const own = waitOpts.abortIf?.();
          if (own !== undefined) return own;
          return exitCode === undefined ? undefined : `container exited with ${exitCode}\n${output()}`;
        },
      }).catch((error: unknown) => {
        throw new Error(`${String((error as Error).message ?? error)}\ncontainer output:\n${output()}`, { cause: error });
      });
    },
    async stop(stopOpts = {}): Promise<ContainerStop> {
      const grace = stopOpts.graceSec ?? 10;
      const t0 = Date.now();
      const r = await podman(['stop', '--time', String(grace), name], { timeoutMs: (grace + 60) * 1000 });
      if (r.exitCode !== 0) throw new Error(`podman stop ${name}: exit ${String(r.exitCode)}: ${String(r.all)}`);
      const code = await exited;
      const durationMs = Date.now() - t0;
      const inspect = await podman(['inspect', '--format', '{{.State.ExitCode}}', name]);
      const inspected = Number(String(inspect.stdout).trim());
      // Let the log follower drain (it ends with the container), then remove the container.
      await Promise.race([logsDone, new Promise((r2) => setTimeout(r2, 2000))]);
      await unregister();
      return { exitCode: inspect.exitCode === 0 && Number.isFinite(inspected) ? inspected : code, durationMs };
    },
  };
  return handle;
}
