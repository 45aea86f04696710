// A generated service's Dockerfile, unchanged, builds into a real OCI image (podman, hermetic:
// no network inside the build) and the image runs the way the Deployment runs it: read-only
// root filesystem, only /tmp writable, uid 10001, no capabilities, no-new-privileges. It is ready,
// serves its example endpoint, and stops on SIGTERM with exit code 0 within the grace period.
// Prints one "image <tag>: <size> MiB" line per image. Needs root; on a machine where podman
// cannot work the tests fail with container-setup.sh's one-line reason, or pass after printing it
// when MICROFORGE_E2E_CONTAINERS=optional.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { PINNED_PACKAGE_MANAGER_VERSIONS } from '../../generators/lib/package-manager.js';
import {
  createTestDatabase,
  messagingNames,
  openTestBroker,
  describeRun,
  envWithServiceNode,
  freePort,
  getJson,
  makeWorkDir,
  npmWithServiceNode,
  postJson,
  runCli,
  useE2eCleanup,
} from './support/index.js';
import {
  buildImage,
  ensureContainerRuntime,
  formatMiB,
  podman,
  runHardenedContainer,
  uniqueImageTag,
  type ContainerRuntime,
  type HardenedContainer,
} from './support/containers.js';

useE2eCleanup(180_000);

const TEST_TIMEOUT_MS = 900_000;
let runtime: ContainerRuntime;
let work: string;

beforeAll(async () => {
  runtime = await ensureContainerRuntime();
  if (!runtime.available) process.stdout.write(`image e2e: ${runtime.reason}\n`);
  work = await makeWorkDir('image');
}, TEST_TIMEOUT_MS);

/** false (after saying why) when podman is unusable and that is allowed; throws otherwise. */
function podmanUsable(): boolean {
  if (runtime.available) return true;
  if (process.env.MICROFORGE_E2E_CONTAINERS === 'optional') return false;
  throw new Error(`${runtime.reason}\n(set MICROFORGE_E2E_CONTAINERS=optional to let these tests pass without podman)`);
}

async function generate(name: string, flags: readonly string[], env = envWithServiceNode()): Promise<string> {
  const dir = path.join(work, name);
  const r = await runCli(['new', dir, '--yes', '--skip-git', ...flags], { env, timeoutMs: 600_000 });
  expect({ exitCode: r.exitCode, detail: r.exitCode === 0 ? '' : describeRun('microforge new', r) }).toEqual({ exitCode: 0, detail: '' });
  return dir;
}

async function buildAndReport(dir: string, name: string): Promise<string> {
  const image = await buildImage(dir, uniqueImageTag(name));
  process.stdout.write(`image ${image.tag}: ${formatMiB(image.sizeBytes)} (built in ${(image.durationMs / 1000).toFixed(1)} s)\n`);
  return image.tag;
}

/** What the process sees inside the container, read with `podman exec` (same user and restrictions). */
async function probeInside(container: HardenedContainer): Promise<Record<string, unknown>> {
  const script = `
    const fs = require('node:fs');
    const tryWrite = (p) => { try { fs.writeFileSync(p, 'x'); fs.rmSync(p); return 'ok'; } catch (e) { return e.code; } };
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const field = (n) => new RegExp('^' + n + ':\\\\s*(.*)$', 'm').exec(status)[1].trim();
    console.log(JSON.stringify({
      uid: process.getuid(), gid: process.getgid(), capEff: field('CapEff'), noNewPrivs: field('NoNewPrivs'),
      writes: { tmp: tryWrite('/tmp/probe'), app: tryWrite('/app/probe'), root: tryWrite('/probe'), varTmp: tryWrite('/var/tmp/probe'), run: tryWrite('/run/probe') },
      npm: fs.existsSync('/usr/local/bin/npm'),
    }));`;
  const r = await podman(['exec', container.name, 'node', '-e', script]);
  if (r.exitCode !== 0) throw new Error(`podman exec probe: exit ${String(r.exitCode)}: ${String(r.all)}`);
  return JSON.parse(String(r.stdout).trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

const HARDENED_VIEW = {
  uid: 10001,
  gid: 10001,
  capEff: '0000000000000000',
  noNewPrivs: '1',
  writes: { tmp: 'ok', app: 'EROFS', root: 'EROFS', varTmp: 'EROFS', run: 'EROFS' },
  npm: false,
};

async function stopsCleanly(container: HardenedContainer): Promise<void> {
  const stopped = await container.stop({ graceSec: 10 });
  expect({ ...stopped, durationUnder10s: stopped.durationMs < 10_000, output: stopped.exitCode === 0 ? '' : container.output() })
    .toEqual({ exitCode: 0, durationMs: stopped.durationMs, durationUnder10s: true, output: '' });
}

describe('generated service as an OCI image (podman)', () => {
  it('--storage none --messaging none: builds, starts from its compile cache, runs hardened behind slirp4netns, serves, stops on SIGTERM', async () => {
    if (!podmanUsable()) return;
    const dir = await generate('img-none', ['--storage', 'none', '--messaging', 'none']);
    const tag = await buildAndReport(dir, 'img-none');

    // Node says which code cache it read: the one the image's build wrote as the runtime user.
    const container = await runHardenedContainer({ image: tag, network: 'slirp4netns', env: { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } });
    const ready = await container.waitForHttp('/readyz');
    expect(ready.status).toBe(200);
    const accepted = 'V8 code cache for ESM file:///app/dist/main.js was accepted';
    expect(await container.outputHolding(accepted)).toContain(accepted);
    const live = await getJson(`${container.baseUrl}/livez`);
    expect(live.status).toBe(200);
    const quote = await postJson<{ totalCents: number }>(`${container.baseUrl}/items/quote`, {
      name: 'widget',
      quantity: 3,
      unitPriceCents: 250,
    });
    expect({ status: quote.status, body: quote.json }).toMatchObject({ status: 200, body: { totalCents: 750 } });
    expect(await probeInside(container)).toEqual(HARDENED_VIEW);

    await stopsCleanly(container);
  }, TEST_TIMEOUT_MS);

  it('--package-manager pnpm: the image installs exactly pnpm-lock.yaml with pnpm, runs hardened and serves', async () => {
    if (!podmanUsable()) return;
    // pnpm on the host only to install the repo at generation (which writes the lockfile).
    const prefix = path.join(work, 'pnpm');
    const installed = await npmWithServiceNode(work, ['install', '--global', '--prefix', prefix, '--ignore-scripts', `pnpm@${PINNED_PACKAGE_MANAGER_VERSIONS.pnpm}`], { timeoutMs: 300_000 });
    expect({ exitCode: installed.exitCode, detail: installed.exitCode === 0 ? '' : describeRun('npm install --global pnpm', installed) }).toEqual({ exitCode: 0, detail: '' });
    const base = envWithServiceNode();
    // XDG_RUNTIME_DIR: where pnpm keeps its store-operation locks (else in /tmp, after the test too).
    const env = { ...base, PATH: `${base.PATH ?? ''}:${path.join(prefix, 'bin')}`, npm_config_store_dir: path.join(work, 'pnpm-store'), XDG_RUNTIME_DIR: work };
    const dir = await generate('img-pnpm', ['--package-manager', 'pnpm', '--storage', 'none', '--messaging', 'none'], env);
    const tag = await buildAndReport(dir, 'img-pnpm');

    const container = await runHardenedContainer({ image: tag, network: 'slirp4netns' });
    expect((await container.waitForHttp('/readyz')).status).toBe(200);
    expect((await getJson(`${container.baseUrl}/livez`)).status).toBe(200);
    expect(await probeInside(container)).toEqual(HARDENED_VIEW);
    await stopsCleanly(container);
  }, TEST_TIMEOUT_MS);

  it('the defaults (postgres, at-least-once on RabbitMQ): runs hardened on the host network against a fresh database and the broker', async () => {
    if (!podmanUsable()) return;
    const name = `img-default-${randomBytes(3).toString('hex')}`;
    const dir = await generate(name, []);
    const db = await createTestDatabase('image');
    const broker = await openTestBroker('rabbitmq', messagingNames(name, 'item'));
    const tag = await buildAndReport(dir, 'img-default');

    const port = await freePort();
    const container = await runHardenedContainer({
      image: tag,
      network: 'host',
      port,
      env: { PORT: String(port), DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379', ...broker.serviceEnv },
    });
    const ready = await container.waitForHttp('/readyz');
    expect(ready.status).toBe(200);
    expect((await getJson(`${container.baseUrl}/livez`)).status).toBe(200);
    const created = await postJson<{ id: string; name: string }>(`${container.baseUrl}/items`, { name: 'widget', quantity: 3 });
    expect({ status: created.status, name: created.json?.name }).toEqual({ status: 201, name: 'widget' });
    const read = await getJson<{ id: string; quantity: number }>(`${container.baseUrl}/items/${created.json!.id}`);
    expect({ status: read.status, quantity: read.json?.quantity }).toEqual({ status: 200, quantity: 3 });
    expect(await probeInside(container)).toEqual(HARDENED_VIEW);

    await stopsCleanly(container);
    await broker.close();
  }, TEST_TIMEOUT_MS);
});
