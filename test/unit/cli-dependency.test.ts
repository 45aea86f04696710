import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommands, decideCliDependency, FORCE_VARIABLE } from '../../generators/lib/cli-dependency.js';
import { installedFrom } from '../../generators/lib/installed-from.js';
import { parseGenerationRecord } from '../../generators/lib/generation-record.js';
import { renderRepo, type RenderedTree } from '../../generators/lib/render.js';
import { completeSpec } from '../../generators/lib/spec.js';

const unknown = { kind: 'unknown' } as const;
const published = (answer: boolean) => async () => answer;
const failing = (message: string) => async (): Promise<boolean> => {
  throw new Error(message);
};

describe('whether a generated repo pins create-microforge as a devDependency', () => {
  it('pins it when the registry has this release, and says nothing', async () => {
    const asked: string[] = [];
    const decision = await decideCliDependency('0.2.0', unknown, async (spec) => (asked.push(spec), true), {});
    expect({ decision, asked }).toEqual({ decision: { cliDependency: true }, asked: ['create-microforge@0.2.0'] });
  });

  it('falls back to npx -p with one line saying why: not published, or the registry cannot tell', async () => {
    expect(await decideCliDependency('0.2.0', unknown, published(false), {})).toEqual({
      cliDependency: false,
      notice: 'create-microforge@0.2.0 is not on the registry: the repo runs it through npx -p',
    });
    const unreachable = await decideCliDependency('0.2.0', unknown, failing('https://registry.example/ is unreachable: ETIMEDOUT'), {});
    expect(unreachable).toEqual({
      cliDependency: false,
      notice: 'create-microforge@0.2.0 could not be looked up (https://registry.example/ is unreachable: ETIMEDOUT): the repo runs it through npx -p',
    });
    expect(unreachable.notice).not.toContain('\n');
  });

  it(`${FORCE_VARIABLE}=yes|no decides without asking the registry`, async () => {
    const never = failing('the registry was asked');
    expect(await decideCliDependency('0.2.0', unknown, never, { [FORCE_VARIABLE]: 'yes' })).toEqual({ cliDependency: true });
    expect(await decideCliDependency('0.2.0', unknown, never, { [FORCE_VARIABLE]: 'no' })).toEqual({ cliDependency: false });
  });
});

describe('where the running CLI was installed from decides without the registry', () => {
  const never = failing('the registry was asked');
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'installed-from-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A package under `<root>/node_modules/create-microforge`, with the lockfile `lockPath` holding `entry`. */
  const install = (lockPath: string, entry: object | undefined) => {
    const packageRoot = join(root, 'node_modules', 'create-microforge');
    mkdirSync(packageRoot, { recursive: true });
    if (entry) writeFileSync(join(root, lockPath), JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/create-microforge': entry } }));
    return installedFrom(packageRoot);
  };

  it('npx or npm create from a registry (npx writes package-lock.json): pinned, nothing said, registry not asked', async () => {
    const installed = install('package-lock.json', { version: '0.2.0', resolved: 'https://registry.npmjs.org/create-microforge/-/create-microforge-0.2.0.tgz' });
    expect(installed.kind).toBe('registry');
    expect(await decideCliDependency('0.2.0', installed, never, {})).toEqual({ cliDependency: true });
  });

  it('a project install from a local registry (npm writes node_modules/.package-lock.json): pinned', async () => {
    const installed = install('node_modules/.package-lock.json', { version: '0.2.0', resolved: 'http://127.0.0.1:4873/create-microforge/-/create-microforge-0.2.0.tgz' });
    expect(await decideCliDependency('0.2.0', installed, never, {})).toEqual({ cliDependency: true });
  });

  it('an npx run of a tarball on disk: npx -p, with one line saying why', async () => {
    const installed = install('package-lock.json', { version: '0.2.0', resolved: 'file:../tarballs/create-microforge-0.2.0.tgz' });
    expect(await decideCliDependency('0.2.0', installed, never, {})).toEqual({
      cliDependency: false,
      notice: 'create-microforge@0.2.0 was installed from file:../tarballs/create-microforge-0.2.0.tgz, not from a registry: the repo runs it through npx -p',
    });
  });

  it('a source checkout: npx -p, silently; no npm lockfile (npm install --global writes none; pnpm or yarn dlx): the registry is asked', async () => {
    expect(await decideCliDependency('0.2.0', installedFrom(join(root, 'microforge')), never, {})).toEqual({ cliDependency: false });
    const installed = install('package-lock.json', undefined);
    expect(installed.kind).toBe('unknown');
    expect(await decideCliDependency('0.2.0', installed, published(true), {})).toEqual({ cliDependency: true });
  });
});

describe('a repo that pins create-microforge', () => {
  const read = (tree: RenderedTree, path: string) => tree.get(path)!.toString('utf8');

  it('has the exact release as a devDependency, scripts on the local bin, docs that say so, and keeps the choice in .yo-rc.json', () => {
    const spec = completeSpec({ storage: 'none', messaging: 'none', cliDependency: true }, 'svc');
    const tree = renderRepo(spec, '0.2.0');
    const manifest = JSON.parse(read(tree, 'package.json'));
    expect(manifest.devDependencies['create-microforge']).toBe('0.2.0');
    expect({ audit: manifest.scripts.audit, upgrade: manifest.scripts.upgrade }).toEqual({ audit: 'microforge audit', upgrade: 'microforge upgrade' });
    expect(read(tree, 'README.md')).toContain('`npm run audit` and `npm run upgrade` run the create-microforge@0.2.0 devDependency');
    expect(read(tree, 'CONTRIBUTING.md')).toContain('run the create-microforge@0.2.0 devDependency');
    // add and upgrade read the choice back, and an upgrade renders the new release into it.
    const recorded = parseGenerationRecord(read(tree, '.yo-rc.json'), '.yo-rc.json');
    expect(recorded.spec.cliDependency).toBe(true);
    expect(JSON.parse(read(renderRepo(recorded.spec, '0.3.0'), 'package.json')).devDependencies['create-microforge']).toBe('0.3.0');
  });

  it('without the choice, renders today’s npx -p form and no devDependency (golden samples)', () => {
    const tree = renderRepo(completeSpec({ storage: 'none', messaging: 'none' }, 'svc'), '0.2.0');
    const manifest = JSON.parse(read(tree, 'package.json'));
    expect(manifest.devDependencies['create-microforge']).toBeUndefined();
    expect(manifest.scripts.audit).toBe('npx --yes -p create-microforge@0.2.0 microforge audit');
    expect(JSON.parse(read(tree, '.yo-rc.json'))['create-microforge'].cliDependency).toBeUndefined();
    expect(cliCommands(undefined, '0.2.0').runsThrough).toBe('that microforge release through npx');
  });
});
