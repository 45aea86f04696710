import { describe, expect, it } from '@jest/globals';
import { validSpecs } from '../../generators/lib/combinations.js';
import { parseGenerationRecord } from '../../generators/lib/generation-record.js';
import { mergeJson, mergeText, mergeYaml } from '../../generators/lib/merge.js';
import { renderRepo, YO_RC_PATH, type RenderedTree } from '../../generators/lib/render.js';
import { completeSpec } from '../../generators/lib/spec.js';
import { planUpdate } from '../../generators/lib/update-plan.js';

const labels = { ours: 'yours', base: 'old', theirs: 'new' };
const recordOf = (tree: RenderedTree) => parseGenerationRecord(tree.get(YO_RC_PATH)?.toString('utf8') ?? '', 'test');

function plan(previousTree: RenderedTree, next: RenderedTree, files: Map<string, Buffer>) {
  return planUpdate({ previous: recordOf(previousTree), base: previousTree, next, current: (path) => files.get(path), labels });
}

describe('re-rendering the same choices', () => {
  it.each(validSpecs().map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}/${spec.broker}`, spec] as const))('changes nothing for %s', (_label, spec) => {
    const tree = renderRepo(spec);
    expect(plan(tree, renderRepo(spec), new Map(tree))).toEqual([]);
  });
});

describe('adding storage to a stateless repo', () => {
  const before = renderRepo(completeSpec({ name: 'calc', resource: 'offer', storage: 'none' }, 'calc'));
  const after = renderRepo(completeSpec({ name: 'calc', resource: 'offer', storage: 'postgres' }, 'calc'));

  it('equals a fresh render when the user changed nothing', () => {
    const files = new Map(before);
    const changes = plan(before, after, files);
    for (const change of changes) {
      if (change.kind === 'delete') files.delete(change.path);
      else if (change.contents) files.set(change.path, change.contents);
    }
    expect([...files.keys()].sort()).toEqual([...after.keys()].sort());
    for (const [path, contents] of after) expect({ path, same: files.get(path)?.equals(contents) }).toEqual({ path, same: true });
  });

  it('keeps a changed user file, merges a changed generated file, and reports overlapping edits as conflicts', () => {
    const files = new Map(before);
    const edit = (path: string, change: (text: string) => string) => files.set(path, Buffer.from(change(files.get(path)?.toString('utf8') ?? ''), 'utf8'));
    edit('src/offers/routes.ts', (text) => `${text}// mine\n`);
    edit('k8s/base/deployment.yaml', (text) => text.replace('value: "info"', 'value: "debug"'));
    // The new render adds PostgreSQL egress right after the last DNS rule: the same place.
    edit('k8s/base/networkpolicy.yaml', (text) => text.replace(/- port: 53\n(\s+)protocol: TCP\n/, '- port: 53\n$1protocol: TCP\n        - port: 853\n$1protocol: TCP\n'));
    const changes = new Map(plan(before, after, files).map((change) => [change.path, change]));

    expect(changes.get('src/offers/routes.ts')?.kind).toBe('keep');
    const deployment = changes.get('k8s/base/deployment.yaml');
    expect(deployment?.kind).toBe('merge');
    expect(deployment?.contents?.toString()).toContain('value: "debug"');
    expect(deployment?.contents?.toString()).toContain('name: DATABASE_URL');
    expect(changes.get('src/offers/store.ts')?.kind).toBe('create');
    expect(changes.get('src/offers/quote.ts')?.kind).toBe('delete');
    const policy = changes.get('k8s/base/networkpolicy.yaml');
    expect(policy?.kind).toBe('conflict');
    expect(policy?.contents?.toString()).toMatch(/<<<<<<< yours\n[\s\S]*port: 853[\s\S]*=======\n[\s\S]*port: 5432[\s\S]*>>>>>>> new/);
    expect(policy?.rendered?.equals(after.get('k8s/base/networkpolicy.yaml') ?? Buffer.alloc(0))).toBe(true);
  });

  it('marks a line both sides changed with standard conflict markers', () => {
    const merged = mergeText('a\nb\nc\n', 'a\nB1\nc\n', 'a\nB2\nc\n', labels);
    expect(merged.conflicts).toHaveLength(1);
    expect(merged.contents).toContain('<<<<<<< yours\nB1\n||||||| old\nb\n=======\nB2\n>>>>>>> new');
  });
});

describe('structured merges', () => {
  it('keeps dependencies and scripts from both sides of package.json, sorted like npm', () => {
    const base = JSON.stringify({ scripts: { build: 'tsc' }, dependencies: { fastify: '5.0.0' } });
    const ours = JSON.stringify({ scripts: { build: 'tsc', lint: 'eslint .' }, dependencies: { fastify: '5.0.0', zod: '4.0.0' } });
    const theirs = JSON.stringify({ scripts: { build: 'tsc', migrate: 'node m.js' }, dependencies: { fastify: '5.1.0', pg: '8.0.0' } });
    const merged = mergeJson('package.json', base, ours, theirs);
    expect(merged.conflicts).toEqual([]);
    expect(JSON.parse(merged.contents)).toEqual({ scripts: { build: 'tsc', lint: 'eslint .', migrate: 'node m.js' }, dependencies: { fastify: '5.1.0', pg: '8.0.0', zod: '4.0.0' } });
    expect(Object.keys(JSON.parse(merged.contents).dependencies)).toEqual(['fastify', 'pg', 'zod']);
  });

  it('reports a value both sides changed and keeps the user one', () => {
    const merged = mergeJson('package.json', '{"version":"1"}', '{"version":"2"}', '{"version":"3"}');
    expect(merged.conflicts).toEqual(['version']);
    expect(JSON.parse(merged.contents).version).toBe('2');
  });

  it('merges kustomization lists and keeps the user comments', () => {
    const base = 'resources:\n  - a.yaml\n';
    const ours = '# my overlay\nresources:\n  - a.yaml\n  - mine.yaml\n';
    const theirs = 'resources:\n  - a.yaml\n  - cronjob.yaml\n';
    const merged = mergeYaml(base, ours, theirs);
    expect(merged.conflicts).toEqual([]);
    expect(merged.contents).toBe('# my overlay\nresources:\n  - a.yaml\n  - mine.yaml\n  - cronjob.yaml\n');
  });

  it('merges lists of named objects by name', () => {
    const base = 'services:\n  - name: app\n    image: app:1\n';
    const ours = 'services:\n  - name: app\n    image: app:1\n    mem: 1g\n';
    const theirs = 'services:\n  - name: app\n    image: app:2\n  - name: db\n    image: pg\n';
    const merged = mergeYaml(base, ours, theirs);
    expect(merged.conflicts).toEqual([]);
    expect(merged.contents).toContain('image: app:2');
    expect(merged.contents).toContain('mem: 1g');
    expect(merged.contents).toContain('name: db');
  });
});
