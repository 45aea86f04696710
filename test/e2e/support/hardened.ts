// Run a process the way the Deployment's securityContext runs the container, without a container
// engine: a private mount + PID namespace (unshare) where every mount is read-only but a fresh
// size-limited tmpfs on /tmp, uid/gid 10001 with no supplementary groups, no capabilities,
// no_new_privs, and `env -i` plus exactly the given variables. The app dir is bind-mounted
// read-only at /srv/app (its cwd) and the services' Node at /srv/node, so neither the host path's parent
// permissions nor the /tmp tmpfs matter. Shares the host network (loopback services reachable;
// the app must listen on the port it is given). No seccomp and no cgroup limits.
//
// The command is PID 1 of its namespace, as in a container: a signal without a handler in the
// app (SIGTERM, SIGINT) is ignored by the kernel, so stop() escalates to SIGKILL after a grace
// period, like Kubernetes' terminationGracePeriodSeconds. kill() signals the command itself, not
// the unshare wrapper; the exit code/signal of the command comes back through unshare.
// Needs root (CAP_SYS_ADMIN) and util-linux unshare/setpriv.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { registerCleanup } from './cleanup.js';
import { serviceNodeBinDir, type Env } from './env.js';
import { waitForHttp as pollHttp, type HttpResponse, type WaitForHttpOptions } from './http.js';
import { diffTrees, snapshotTree, type TreeDiff, type TreeSnapshot } from './snapshot.js';

/** Where the app dir appears inside the namespace (its working directory). */
export const APP_MOUNT = '/srv/app';
/** Where the services' Node's install dir appears inside the namespace (node at /srv/node/bin/node). */
export const NODE_MOUNT = '/srv/node';
export const RUN_UID = 10001;
export const RUN_GID = 10001;

export interface HardenedOptions {
  /** Host dir with the app (node_modules, dist); mounted read-only at /srv/app and used as cwd. */
  cwd: string;
  /** 'node' (the services' Node at /srv/node/bin/node) or an absolute path as seen inside the namespace. */
  command: string;
  /** Arguments; any host path under `cwd` is rewritten to the same path under /srv/app. */
  args?: readonly string[];
  /** The whole environment of the command (plus PATH and PORT defaults below). */
  env?: Env;
  /** Sets PORT (unless env has it) and baseUrl http://127.0.0.1:<port>. */
  port?: number;
  /** Size of the /tmp tmpfs (default 64 MiB). */
  tmpSizeMb?: number;
  /** Snapshot the app dir before start, so cwdChanges() can prove nothing was written there. */
  watchCwd?: boolean | { ignore?: readonly string[] };
  /** How long to wait for the command to be exec'd (default 15 s). */
  startTimeoutMs?: number;
}

export interface HardenedExit {
  /** Exit code of the command, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the first kill()/stop() to the exit; null if it exited on its own. */
  durationMs: number | null;
}

export interface HardenedProcess {
  /** Host PID of the command (PID 1 inside its namespace); 0 if it never got that far. */
  readonly pid: number;
  /** Host PID of the unshare wrapper. */
  readonly runnerPid: number;
  /** http://127.0.0.1:<port> when a port was given. */
  readonly baseUrl: string | undefined;
  /** The exact environment the command got. */
  readonly env: Readonly<Env>;
  readonly stdoutLines: string[];
  readonly stderrLines: string[];
  /** stdout and stderr lines, for failure messages. */
  output(): string;
  /** Resolves when the command has exited and its output is read. */
  readonly exited: Promise<HardenedExit>;
  /** Set once exited. */
  readonly exitInfo: HardenedExit | undefined;
  /** Send a signal to the command; false if it is gone. */
  kill(signal?: NodeJS.Signals): boolean;
  /** kill(signal) (default SIGTERM), wait graceMs (default 10 s), then SIGKILL; resolves with the exit. */
  stop(opts?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<HardenedExit>;
  /** Poll a URL (or a path on baseUrl) until the expected status; fails fast if the command exits. */
  waitForHttp<T = unknown>(urlOrPath: string, opts?: WaitForHttpOptions): Promise<HttpResponse<T>>;
  /** Wait for a stdout/stderr line matching pattern; fails fast if the command exits. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** What changed under the app dir since start (needs watchCwd). */
  cwdChanges(): Promise<TreeDiff>;
}

// Runs inside the new mount/PID namespace as root, then execs the command as 10001.
const NAMESPACE_SETUP = `
set -euo pipefail
trap 'echo "hardened-runner: setup failed: $BASH_COMMAND" >&2' ERR
app=$1 nodedir=$2 tmpsize=$3 uid=$4 gid=$5
shift 5
mount --make-rprivate /
# A small tmpfs over /srv holds the mount points; nothing is created on the host's disk.
mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev hardened-srv /srv
mkdir /srv/app /srv/node
mount --bind "$app" /srv/app
mount --bind "$nodedir" /srv/node
mount -t tmpfs -o "mode=1777,size=\${tmpsize}m,nosuid,nodev" hardened-tmp /tmp
mount -t tmpfs -o mode=1777,size=64m,nosuid,nodev,noexec hardened-shm /dev/shm
mapfile -t mounts < /proc/self/mountinfo
for line in "\${mounts[@]}"; do
  read -r _ _ _ _ mp opts _ <<< "$line"
  mp=$(printf '%b' "$mp")
  case "$mp" in /proc|/proc/*|/dev|/dev/*|/tmp) continue ;; esac
  case ",$opts," in *,ro,*) continue ;; esac
  mount -o remount,bind,ro "$mp"
done
cd /srv/app
trap - ERR
exec setpriv --reuid "$uid" --regid "$gid" --clear-groups --no-new-privs \\
  --inh-caps=-all --bounding-set=-all --pdeathsig SIGKILL env -i "$@"
`;

const live = new Set<HardenedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Best effort; the real guarantee is --pdeathsig (unshare dies with the test process, and its
  // child, the command, dies with unshare).
  try {
    globalThis.process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  } catch {
    /* not available in this environment */
  }
}

async function childOf(ppid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${ppid}/task/${ppid}/children`, 'utf8');
    const first = text.trim().split(/\s+/)[0];
    if (first) return Number(first);
    return undefined;
  } catch {
    // No CONFIG_PROC_CHILDREN: scan /proc/*/stat for the parent PID.
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const st = await readFile(`/proc/${entry}/stat`, 'utf8');
        const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[1]) === ppid) return Number(entry);
      } catch {
        /* gone */
      }
    }
    return undefined;
  }
}

/** true once the process is past setpriv (no_new_privs set) and env, i.e. is the command. */
async function isCommand(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s*(.*)$/m.exec(status)?.[1];
    const noNewPrivs = /^NoNewPrivs:\s*(\d+)/m.exec(status)?.[1];
    return noNewPrivs === '1' && name !== 'setpriv' && name !== 'env';
  } catch {
    return false;
  }
}

function mapPath(value: string, hostDir: string): string {
  if (value === hostDir) return APP_MOUNT;
  if (value.startsWith(`${hostDir}/`)) return `${APP_MOUNT}/${value.slice(hostDir.length + 1)}`;
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start `command` hardened (see the file header). Resolves once the command runs (or has already exited). */
export async function startHardened(opts: HardenedOptions): Promise<HardenedProcess> {
  if (process.getuid?.() !== 0) throw new Error('startHardened needs root (mount namespaces); run the e2e tests as root');
  if (!existsSync('/srv')) throw new Error('startHardened needs an (empty) /srv directory for its mount points');
  const hostDir = path.resolve(opts.cwd);
  const st = await stat(hostDir);
  if (!st.isDirectory()) throw new Error(`startHardened: ${hostDir} is not a directory`);
  // The bind mount's root keeps the dir's own mode (mkdtemp makes 0700): let uid 10001 in.
  if ((st.mode & 0o005) !== 0o005) await chmod(hostDir, st.mode | 0o055);
  const nodeDir = path.dirname(serviceNodeBinDir());

  const env: Env = { PATH: `${NODE_MOUNT}/bin:/usr/local/bin:/usr/bin:/bin`, ...opts.env };
  if (opts.port !== undefined && env.PORT === undefined) env.PORT = String(opts.port);
  for (const key of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`startHardened: bad environment variable name ${JSON.stringify(key)}`);
  }
  const command = opts.command === 'node' ? `${NODE_MOUNT}/bin/node` : mapPath(opts.command, hostDir);
  if (!command.startsWith('/')) throw new Error(`startHardened: command must be 'node' or an absolute path, got ${opts.command}`);
  const args = (opts.args ?? []).map((a) => mapPath(a, hostDir));

  let before: TreeSnapshot | undefined;
  const watchIgnore = typeof opts.watchCwd === 'object' ? opts.watchCwd.ignore : undefined;
  if (opts.watchCwd) before = await snapshotTree(hostDir, { ignore: watchIgnore ?? [] });

  const child = spawn(
    'setpriv',
    [
      '--pdeathsig', 'SIGKILL',
      'unshare', '--mount', '--pid', '--fork', '--kill-child=SIGKILL', '--mount-proc',
      'bash', '-c', NAMESPACE_SETUP, 'hardened-runner',
      hostDir, nodeDir, String(opts.tmpSizeMb ?? 64), String(RUN_UID), String(RUN_GID),
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      command, ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  if (child.pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`startHardened: cannot spawn setpriv/unshare: ${error.message}`);
  }
  const runnerPid = child.pid;

  const lines = new EventEmitter();
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  const combined: string[] = [];
  const collect = (stream: NodeJS.ReadableStream, into: string[], tag: string): void => {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      into.push(line);
      combined.push(`${tag} ${line}`);
      lines.emit('line', line);
    });
  };
  collect(child.stdout, stdoutLines, '[out]');
  collect(child.stderr, stderrLines, '[err]');

  let killedAt: number | undefined;
  let exitInfo: HardenedExit | undefined;
  const exited = new Promise<HardenedExit>((resolve) => {
    child.once('close', (code, signal) => {
      exitInfo = { code, signal, durationMs: killedAt === undefined ? null : Date.now() - killedAt };
      lines.emit('exit');
      resolve(exitInfo);
    });
  });

  // Find the namespace's PID 1 and wait until it has become the command.
  let pid = 0;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  while (exitInfo === undefined) {
    if (pid === 0) pid = (await childOf(runnerPid)) ?? 0;
    if (pid !== 0 && (await isCommand(pid))) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`startHardened: ${command} did not start within ${opts.startTimeoutMs ?? 15_000} ms\n${combined.join('\n')}`);
    }
    await sleep(10);
  }

  const output = (): string => combined.join('\n');
  const exitReason = (): string | undefined =>
    exitInfo === undefined
      ? undefined
      : `process exited (code ${String(exitInfo.code)}, signal ${String(exitInfo.signal)})\n${output().slice(-4000)}`;

  const handle: HardenedProcess = {
    pid,
    runnerPid,
    baseUrl: opts.port === undefined ? undefined : `http://127.0.0.1:${opts.port}`,
    env,
    stdoutLines,
    stderrLines,
    output,
    exited,
    get exitInfo() {
      return exitInfo;
    },
    kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
      if (exitInfo !== undefined || pid <= 1) return false;
      killedAt ??= Date.now();
      try {
        process.kill(pid, signal);
        return true;
      } catch {
        return false;
      }
    },
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}): Promise<HardenedExit> {
      if (exitInfo !== undefined) return exitInfo;
      handle.kill(signal);
      const timer = setTimeout(() => {
        handle.kill('SIGKILL');
        child.kill('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    waitForHttp<T = unknown>(urlOrPath: string, waitOpts: WaitForHttpOptions = {}): Promise<HttpResponse<T>> {
      let url = urlOrPath;
      if (!/^https?:/.test(urlOrPath)) {
        if (handle.baseUrl === undefined) return Promise.reject(new Error('waitForHttp: a path needs startHardened({ port })'));
        url = `${handle.baseUrl}${urlOrPath.startsWith('/') ? '' : '/'}${urlOrPath}`;
      }
      return pollHttp<T>(url, {
        ...waitOpts,
        abortIf: () => waitOpts.abortIf?.() ?? exitReason(),
      });
    },
    waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
      const found = [...stdoutLines, ...stderrLines].find((l) => pattern.test(l));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const cleanup = (): void => {
          clearTimeout(timer);
          lines.off('line', onLine);
          lines.off('exit', onExit);
        };
        const onLine = (line: string): void => {
          if (!pattern.test(line)) return;
          cleanup();
          resolve(line);
        };
        const onExit = (): void => {
          cleanup();
          reject(new Error(`waitForLine ${String(pattern)}: ${exitReason() ?? 'exited'}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`waitForLine ${String(pattern)}: not within ${timeoutMs} ms\n${output().slice(-4000)}`));
        }, timeoutMs);
        lines.on('line', onLine);
        lines.once('exit', onExit);
        if (exitInfo !== undefined) onExit();
      });
    },
    async cwdChanges(): Promise<TreeDiff> {
      if (before === undefined) throw new Error('cwdChanges() needs startHardened({ watchCwd: true })');
      return diffTrees(before, await snapshotTree(hostDir, { ignore: watchIgnore ?? [] }));
    },
  };

  live.add(handle);
  installExitHook();
  void exited.then(() => live.delete(handle));
  registerCleanup(`hardened ${opts.command} (pid ${pid})`, async () => {
    await handle.stop({ signal: 'SIGKILL', graceMs: 5000 });
  });
  return handle;
}
