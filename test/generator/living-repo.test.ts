/**
 * add and upgrade on real repos, through the built CLI: user edits survive, template changes
 * arrive, conflicts are reported (exit 1), bad input writes nothing (exit 2).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { findKubectl } from '../../audit/kustomize.js';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { REPO_ROOT } from '../e2e/support/paths.js';
import { releaseCopy } from '../e2e/support/release-copy.js';
import { runCli } from '../e2e/support/run.js';
import { diffTrees, snapshotTree } from '../e2e/support/snapshot.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd });
const read = (path: string) => readFile(path, 'utf8');

async function edit(path: string, change: (text: string) => string): Promise<void> {
  await writeFile(path, change(await read(path)));
}

/** A stateless repo, committed, as a user would start from. */
async function statelessRepo(prefix: string): Promise<{ work: string; repo: string }> {
  const work = await makeWorkDir(prefix);
  const created = await runCli(['new', 'calc', '--yes', '--storage', 'none', '--resource', 'offer', '--skip-install'], { cwd: work });
  expect(created.exitCode).toBe(0);
  return { work, repo: join(work, 'calc') };
}

describe('microforge add storage', () => {
  it('equals a fresh generation except for the user edits, and reports an overlapping edit as a conflict', async () => {
    const { work, repo } = await statelessRepo('add-storage');
    await edit(join(repo, 'src/offers/quote.ts'), (text) => `${text}// my pricing rule\n`);
    await edit(join(repo, 'k8s/base/deployment.yaml'), (text) => text.replace('value: "info"', 'value: "debug"'));
    await edit(join(repo, 'k8s/base/networkpolicy.yaml'), (text) =>
      text.replace(/- port: 53\n(\s+)protocol: TCP\n/, '- port: 53\n$1protocol: TCP\n        - port: 853\n$1protocol: TCP\n'),
    );
    await git(repo, 'commit', '-qam', 'my edits');

    const dryRun = await runCli(['add', 'storage', '--dry-run', '--json'], { cwd: repo });
    expect(dryRun.exitCode).toBe(0);
    const planned = JSON.parse(dryRun.stdout) as { changes: Array<{ path: string; kind: string }> };
    const kindOf = (path: string) => planned.changes.find((change) => change.path === path)?.kind;
    expect([kindOf('src/offers/store.ts'), kindOf('k8s/base/deployment.yaml'), kindOf('k8s/base/networkpolicy.yaml'), kindOf('src/offers/quote.ts')]).toEqual([
      'create',
      'merge',
      'conflict',
      'keep',
    ]);
    expect((await git(repo, 'status', '--porcelain')).stdout).toBe('');

    const added = await runCli(['add', 'storage', '--skip-install'], { cwd: repo });
    expect(added.exitCode).toBe(1);
    expect(added.stderr).toMatch(/1 conflict\(s\) left for you: k8s\/base\/networkpolicy\.yaml/);
    expect(await read(join(repo, 'k8s/base/networkpolicy.yaml'))).toMatch(/<<<<<<< yours[\s\S]*port: 853[\s\S]*>>>>>>> microforge/);

    // add storage keeps the recorded cache choice (none); a fresh repo says so explicitly.
    const fresh = await runCli(['new', 'fresh', '--yes', '--name', 'calc', '--storage', 'postgres', '--cache', 'none', '--resource', 'offer', '--skip-install', '--skip-git'], { cwd: work });
    expect(fresh.exitCode).toBe(0);
    const differing = await execa('diff', ['-rq', '-x', '.git', '-x', '.yo-rc.json', join(work, 'fresh'), repo], { reject: false });
    expect(differing.stdout.split('\n').sort()).toEqual(
      [
        `Files ${join(work, 'fresh')}/k8s/base/deployment.yaml and ${repo}/k8s/base/deployment.yaml differ`,
        `Files ${join(work, 'fresh')}/k8s/base/networkpolicy.yaml and ${repo}/k8s/base/networkpolicy.yaml differ`,
        `Only in ${repo}/src/offers: quote.ts`,
      ].sort(),
    );
    const deployment = await read(join(repo, 'k8s/base/deployment.yaml'));
    expect(deployment).toContain('value: "debug"');
    expect(deployment).toContain('name: DATABASE_URL');
    const recorded = JSON.parse(await read(join(repo, '.yo-rc.json')))['create-microforge'];
    expect(recorded.storage).toBe('postgres');
  });

  it('refuses bad input with one line, exit 2, and writes nothing', async () => {
    const { work, repo } = await statelessRepo('add-bad');
    await mkdir(join(work, 'plain'));
    await edit(join(repo, 'README.md'), (text) => `${text}\nuncommitted\n`);
    const cases: Array<[string, string[], RegExp]> = [
      [join(work, 'plain'), ['add', 'storage'], /^microforge: .*plain is not a microforge repo \(no \.yo-rc\.json\)/],
      [repo, ['add', 'frobnicator'], /^microforge: unknown component 'frobnicator' \(microforge add takes: storage/],
      [repo, ['add', 'storage', '--storage', 'mysql'], /^microforge: --storage has unknown value 'mysql'/],
      [repo, ['add', 'storage', '--cache', 'redis'], /^microforge: unknown option '--cache'/],
      [repo, ['add', 'cache'], /^microforge: add cache \(cache redis by default\) contradicts this repo's storage none \(in \.yo-rc\.json\): a cache fronts reads of stored data, so it needs PostgreSQL storage \(--storage postgres; in an existing repo, microforge add storage\)\n$/],
      [repo, ['add', 'cache', '--cache', 'memory'], /^microforge: --cache memory contradicts this repo's storage none \(in \.yo-rc\.json\)/],
      [repo, ['add', 'storage'], /^microforge: the working tree of .* has uncommitted changes; commit or stash them first/],
      [repo, ['upgrade', '--conflict', 'sometimes'], /^microforge: --conflict has unknown value 'sometimes'/],
    ];
    // git itself refreshes its index on `status`; the repo's files are what must not change.
    const snapshot = () => snapshotTree(work, { ignore: ['calc/.git'] });
    for (const [cwd, args, message] of cases) {
      const before = await snapshot();
      const result = await runCli(args, { cwd });
      expect({ args, exitCode: result.exitCode, lines: result.stderr.trimEnd().split('\n').length }).toEqual({ args, exitCode: 2, lines: 1 });
      expect(result.stderr).toMatch(message);
      expect(diffTrees(before, await snapshot())).toEqual({ added: [], removed: [], changed: [] });
    }
    await git(repo, 'commit', '-qam', 'readme');
    expect((await runCli(['add', 'storage', '--skip-install'], { cwd: repo })).exitCode).toBe(0);
    await git(repo, 'commit', '-qam', 'storage');
    const again = await runCli(['add', 'storage'], { cwd: repo });
    expect(again.exitCode).toBe(2);
    expect(again.stderr.trim()).toBe('microforge: this repo already has storage (--storage postgres); nothing to add');
  });
});

describe('microforge add messaging', () => {
  it('equals a fresh generation with messaging except for the user edits, merging an owned-file edit', async () => {
    const work = await makeWorkDir('add-messaging');
    const repo = join(work, 'stock');
    const created = await runCli(['new', 'stock', '--yes', '--storage', 'postgres', '--messaging', 'none', '--resource', 'offer', '--skip-install'], { cwd: work });
    expect(created.exitCode).toBe(0);
    await edit(join(repo, 'src/offers/routes.ts'), (text) => `${text}// my route rule\n`);
    await edit(join(repo, 'k8s/base/deployment.yaml'), (text) => text.replace('value: "info"', 'value: "debug"'));
    await git(repo, 'commit', '-qam', 'my edits');

    const added = await runCli(['add', 'messaging', '--broker', 'nats', '--skip-install'], { cwd: repo });
    expect({ exitCode: added.exitCode, stderr: added.stderr }).toEqual({ exitCode: 0, stderr: '' });

    const fresh = await runCli(
      ['new', 'fresh', '--yes', '--name', 'stock', '--storage', 'postgres', '--messaging', 'at-least-once', '--broker', 'nats', '--resource', 'offer', '--skip-install', '--skip-git'],
      { cwd: work },
    );
    expect(fresh.exitCode).toBe(0);
    const differing = await execa('diff', ['-rq', '-x', '.git', '-x', '.yo-rc.json', join(work, 'fresh'), repo], { reject: false });
    expect(differing.stdout.split('\n').sort()).toEqual(
      [
        `Files ${join(work, 'fresh')}/k8s/base/deployment.yaml and ${repo}/k8s/base/deployment.yaml differ`,
        `Files ${join(work, 'fresh')}/src/offers/routes.ts and ${repo}/src/offers/routes.ts differ`,
      ].sort(),
    );
    const deployment = await read(join(repo, 'k8s/base/deployment.yaml'));
    expect(deployment).toContain('value: "debug"');
    expect(deployment).toContain('name: NATS_URL');
    expect(JSON.parse(await read(join(repo, 'package.json'))).dependencies).toHaveProperty('@nats-io/jetstream');
    const recorded = JSON.parse(await read(join(repo, '.yo-rc.json')))['create-microforge'];
    expect({ messaging: recorded.messaging, broker: recorded.broker }).toEqual({ messaging: 'at-least-once', broker: 'nats' });
  });
});

describe('microforge add cache', () => {
  it('turns a PostgreSQL repo into the one new --cache would make, keeping the user edits', async () => {
    const work = await makeWorkDir('add-cache');
    const created = await runCli(['new', 'calc', '--yes', '--storage', 'postgres', '--cache', 'none', '--resource', 'offer', '--skip-install'], { cwd: work });
    expect(created.exitCode).toBe(0);
    const repo = join(work, 'calc');
    await edit(join(repo, 'src/offers/routes.ts'), (text) => `${text}// my route tweak\n`);
    await edit(join(repo, 'k8s/base/deployment.yaml'), (text) => text.replace('value: "info"', 'value: "debug"'));
    await git(repo, 'commit', '-qam', 'my edits');

    const added = await runCli(['add', 'cache', '--cache', 'memory', '--skip-install'], { cwd: repo });
    expect({ exitCode: added.exitCode, stderr: added.stderr }).toEqual({ exitCode: 0, stderr: '' });
    const fresh = await runCli(['new', 'fresh', '--yes', '--name', 'calc', '--storage', 'postgres', '--cache', 'memory', '--resource', 'offer', '--skip-install', '--skip-git'], { cwd: work });
    expect(fresh.exitCode).toBe(0);
    const differing = await execa('diff', ['-rq', '-x', '.git', '-x', '.yo-rc.json', join(work, 'fresh'), repo], { reject: false });
    expect(differing.stdout.split('\n').sort()).toEqual(
      [`Files ${join(work, 'fresh')}/k8s/base/deployment.yaml and ${repo}/k8s/base/deployment.yaml differ`, `Files ${join(work, 'fresh')}/src/offers/routes.ts and ${repo}/src/offers/routes.ts differ`].sort(),
    );
    expect(await read(join(repo, 'src/offers/routes.ts'))).toContain('// my route tweak');
    expect(await read(join(repo, 'migrations/0005_notify_offers_changes.sql'))).toContain("pg_notify('offers_changes'");
    expect(await read(join(repo, 'src/adapters.ts'))).toContain('createOfferCache');
    expect(JSON.parse(await read(join(repo, '.yo-rc.json')))['create-microforge'].cache).toBe('memory');

    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-qm', 'cache');
    const again = await runCli(['add', 'cache'], { cwd: repo });
    expect(again.exitCode).toBe(2);
    expect(again.stderr.trim()).toBe('microforge: this repo already has cache (--cache memory); nothing to add');
  });
});

describe('running new twice', () => {
  it('with the same choices changes no byte and makes no commit', async () => {
    const { work, repo } = await statelessRepo('new-twice');
    const before = await snapshotTree(repo, { ignore: ['.git'] });
    const again = await runCli(['new', 'calc', '--yes', '--storage', 'none', '--resource', 'offer', '--skip-install', '--force'], { cwd: work });
    expect(again.exitCode).toBe(0);
    expect(diffTrees(before, await snapshotTree(repo, { ignore: ['.git'] }))).toEqual({ added: [], removed: [], changed: [] });
    expect((await git(repo, 'log', '--oneline')).stdout.split('\n')).toHaveLength(1);
    expect((await runCli(['upgrade', '--check'], { cwd: repo })).exitCode).toBe(0);
  });
});

describe('microforge upgrade --check', () => {
  it('reports committed hand edits of generator-owned files as drift (exit 1, listed, in --json), not edits of user-owned files', async () => {
    const { repo } = await statelessRepo('check-drift');
    await edit(join(repo, 'src/offers/quote.ts'), (text) => `${text}// my pricing rule\n`);
    await git(repo, 'commit', '-qam', 'my pricing rule');
    expect((await runCli(['upgrade', '--check'], { cwd: repo })).exitCode).toBe(0);

    await edit(join(repo, 'Dockerfile'), (text) => `${text}# tuned by hand\n`);
    await edit(join(repo, 'src/config.ts'), (text) => `${text}// tuned by hand\n`);
    await git(repo, 'commit', '-qam', 'hand edits');
    const check = await runCli(['upgrade', '--check'], { cwd: repo });
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(/Drift: 2 generator-owned file\(s\) differ/);
    expect(check.stdout).toContain('≠ Dockerfile');
    expect(check.stdout).toContain('≠ src/config.ts');
    expect(check.stdout).not.toContain('quote.ts');
    expect(check.stdout).toMatch(/next `microforge upgrade` merges/);
    const json = await runCli(['upgrade', '--check', '--json'], { cwd: repo });
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout) as { upToDate: boolean; drift: Array<{ path: string }> };
    expect({ upToDate: report.upToDate, drift: report.drift.map((file) => file.path) }).toEqual({ upToDate: false, drift: ['Dockerfile', 'src/config.ts'] });
  });
});

describe('microforge upgrade', () => {
  it('brings a template change into a repo with user edits, and --check tells when it is behind', async () => {
    const work = await makeWorkDir('upgrade');
    const releases = join(work, 'releases');
    const oldRelease = await releaseCopy(releases, '0.0.1');
    const newRelease = await releaseCopy(join(work, 'new'), '0.0.2');
    const deploymentTemplate = join(newRelease, 'templates/kubernetes/k8s/base/deployment.yaml.hbs');
    await edit(deploymentTemplate, (text) => {
      const changed = text.replace(/(path: \{\{livenessProbePath\}\}[\s\S]*?periodSeconds: )10/, '$115');
      expect(changed).not.toBe(text);
      return changed;
    });

    const oldCli = join(oldRelease, 'dist/bundle/microforge.js');
    const newCli = join(newRelease, 'dist/bundle/microforge.js');
    const created = await execa(process.execPath, [oldCli, 'new', 'svc', '--yes', '--skip-install'], { cwd: work, reject: false });
    expect(created.exitCode).toBe(0);
    const repo = join(work, 'svc');
    await edit(join(repo, 'k8s/base/deployment.yaml'), (text) => text.replace('value: "info"', 'value: "warn"'));
    await edit(join(repo, 'src/items/routes.ts'), (text) => `${text}// my route tweak\n`);
    await git(repo, 'commit', '-qam', 'my edits');

    const environment = { ...process.env, MICROFORGE_RELEASES_DIR: releases };
    const behind = await execa(process.execPath, [newCli, 'upgrade', '--check'], { cwd: repo, reject: false, env: environment });
    expect(behind.exitCode).toBe(1);
    expect(behind.stdout).toContain('k8s/base/deployment.yaml');

    const upgraded = await execa(process.execPath, [newCli, 'upgrade', '--skip-install'], { cwd: repo, reject: false, env: environment });
    expect({ exitCode: upgraded.exitCode, stderr: upgraded.stderr }).toEqual({ exitCode: 0, stderr: '' });
    const deployment = await read(join(repo, 'k8s/base/deployment.yaml'));
    expect(deployment).toMatch(/path: \/livez[\s\S]*?periodSeconds: 15/);
    expect(deployment).toContain('value: "warn"');
    expect(await read(join(repo, 'src/items/routes.ts'))).toContain('// my route tweak');
    expect(JSON.parse(await read(join(repo, '.yo-rc.json')))['create-microforge'].generatorVersion).toBe('0.0.2');
    // Nothing left to upgrade; the hand edit of the generator-owned deployment.yaml is reported as drift.
    const after = await execa(process.execPath, [newCli, 'upgrade', '--check', '--json'], { cwd: repo, reject: false, env: environment });
    expect(after.exitCode).toBe(1);
    const report = JSON.parse(after.stdout) as { changes: unknown[]; drift: Array<{ path: string }> };
    expect({ changes: report.changes, drift: report.drift.map((file) => file.path) }).toEqual({ changes: [], drift: ['k8s/base/deployment.yaml'] });
  });
});

describe('microforge add docker|kubernetes in a service microforge did not generate', () => {
  const fixture = join(REPO_ROOT, 'test/fixtures/express-like-service');
  const kubectl = () => findKubectl(process.env) ?? execFileSync('bash', [join(REPO_ROOT, 'scripts', 'fetch-kubectl.sh')], { encoding: 'utf8' }).trim();

  async function foreignService(prefix: string): Promise<string> {
    const service = join(await makeWorkDir(prefix), 'inventory');
    await cp(fixture, service, { recursive: true });
    return service;
  }

  it('detects how it starts and what it serves, and adds a Dockerfile and manifests that pass the audit', async () => {
    const service = await foreignService('adopt');
    const docker = await runCli(['add', 'docker'], { cwd: service });
    expect({ exitCode: docker.exitCode, stderr: docker.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(docker.stdout).toContain('start: node src/server.js, port 3000, probes /healthz /healthz /ready');
    const dockerfile = await read(join(service, 'Dockerfile'));
    expect(dockerfile).toContain('CMD ["node", "src/server.js"]');
    expect(dockerfile).toContain('EXPOSE 3000');
    const kubernetes = await runCli(['add', 'kubernetes'], { cwd: service });
    expect(kubernetes.exitCode).toBe(0);
    const deployment = await read(join(service, 'k8s/base/deployment.yaml'));
    expect(deployment).toMatch(/livenessProbe:\s+httpGet:\s+path: \/healthz/);
    expect(deployment).toMatch(/readinessProbe:\s+httpGet:\s+path: \/ready/);
    expect(deployment).toContain('name: "inventory-api"');

    const audit = await runCli(['audit', '--json'], { cwd: service, env: { MICROFORGE_KUBECTL: kubectl() } });
    expect({ exitCode: audit.exitCode, findings: JSON.parse(audit.stdout).findings }).toEqual({ exitCode: 0, findings: [] });
  });

  it('asks for what it cannot tell, and refuses probes that would restart every pod in an outage', async () => {
    const service = await foreignService('adopt-unclear');
    await edit(join(service, 'src/server.js'), (text) => text.replace("if (request.url === '/ready')", "if (request.url === '/status')"));
    const before = await snapshotTree(service);
    const unclear = await runCli(['add', 'kubernetes'], { cwd: service });
    expect(unclear.exitCode).toBe(2);
    expect(unclear.stderr.trim()).toBe('microforge: cannot tell endpoint for the readiness probe (ready to serve; may check dependencies) (found /healthz); pass --readiness-path');
    const same = await runCli(['add', 'kubernetes', '--readiness-path', '/healthz'], { cwd: service });
    expect(same.exitCode).toBe(2);
    expect(same.stderr).toMatch(/liveness and readiness would both probe \/healthz/);
    expect(diffTrees(before, await snapshotTree(service))).toEqual({ added: [], removed: [], changed: [] });
    expect((await runCli(['add', 'kubernetes', '--readiness-path', '/status'], { cwd: service })).exitCode).toBe(0);
    expect(await read(join(service, 'k8s/base/deployment.yaml'))).toMatch(/readinessProbe:\s+httpGet:\s+path: \/status/);
  });

  it('never replaces an existing Dockerfile without --force, and refuses a directory without package.json', async () => {
    const service = await foreignService('adopt-existing');
    await writeFile(join(service, 'Dockerfile'), 'FROM scratch\n');
    const refused = await runCli(['add', 'docker'], { cwd: service });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr.trim()).toBe("microforge: Dockerfile already exist(s) and differ; pass --force to replace, or --conflict skip to keep yours");
    expect(await read(join(service, 'Dockerfile'))).toBe('FROM scratch\n');
    expect((await runCli(['add', 'docker', '--force'], { cwd: service })).exitCode).toBe(0);
    expect(await read(join(service, 'Dockerfile'))).toContain('CMD ["node", "src/server.js"]');
    expect(await read(join(service, 'Dockerfile'))).not.toContain('npm run build');

    // A service with a build step: the image builds it and takes only its output (tsconfig's outDir).
    await edit(join(service, 'package.json'), (text) => text.replace('"start": "node src/server.js"', '"build": "tsc", "start": "node out/server.js"'));
    await writeFile(join(service, 'tsconfig.json'), '{\n  // comments are allowed here\n  "compilerOptions": { "outDir": "./out" }\n}\n');
    expect((await runCli(['add', 'docker', '--force'], { cwd: service })).exitCode).toBe(0);
    const built = await read(join(service, 'Dockerfile'));
    expect(built).toContain('RUN npm run build');
    expect(built).toContain('COPY --from=build /app/out ./out');
    expect(built).toContain('CMD ["node", "out/server.js"]');
    expect(await read(join(service, '.dockerignore'))).toMatch(/^out$/m);
    expect((await runCli(['add', 'kubernetes'], { cwd: service })).exitCode).toBe(0);
    const audit = await runCli(['audit', '--json'], { cwd: service, env: { MICROFORGE_KUBECTL: kubectl() } });
    expect({ exitCode: audit.exitCode, findings: JSON.parse(audit.stdout).findings }).toEqual({ exitCode: 0, findings: [] });

    const empty = await makeWorkDir('adopt-empty');
    const nothing = await runCli(['add', 'docker'], { cwd: empty });
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/has no package-lock\.json|has no package\.json/);
  });
});
