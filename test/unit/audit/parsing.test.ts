import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findKubectl } from '../../../generators/audit/kustomize.js';
import { unknownFields } from '../../../generators/audit/schema.js';
import { emitManifest, parseManifests } from '../../../generators/audit/yaml.js';
import { UsageError } from '../../../generators/lib/usage-error.js';
import { REPO_ROOT } from '../../e2e/support/paths.js';
import { buildFieldMap } from './support/build-field-map.js';
import fieldMap from '../../../generators/audit/k8s-fields.json' with { type: 'json' };

describe('audit parsing', () => {
  it('reads YAML with 1.1 semantics and emits it so Go tools read strings back', () => {
    const [object] = parseManifests('apiVersion: v1\nkind: ConfigMap\ndata:\n  a: yes\n  b: on\n  c: n\n  d: "yes"\n', 'x.yaml');
    expect(object?.raw.data).toEqual({ a: true, b: true, c: false, d: 'yes' });
    expect(emitManifest({ data: { a: 'yes', b: 'on', c: 'n' } })).toBe('data:\n  a: "yes"\n  b: "on"\n  c: "n"\n');
  });

  it('expands List documents into their items', () => {
    const objects = parseManifests('apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n', 'l.yaml');
    expect(objects.map((object) => object.raw.kind)).toEqual(['ConfigMap']);
  });

  it('finds unknown fields at any depth, with a suggestion', () => {
    const found = unknownFields({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replica: 1, template: { spec: { containers: [{ name: 'a', imagePullPolcy: 'Always' }] } } } });
    expect(found).toEqual([
      { path: 'spec.replica', field: 'replica', suggestion: 'replicas' },
      { path: 'spec.template.spec.containers[0].imagePullPolcy', field: 'imagePullPolcy', suggestion: 'imagePullPolicy' },
    ]);
  });

  it('rejects a MICROFORGE_KUBECTL that is not executable, as bad input', () => {
    expect(() => findKubectl({ MICROFORGE_KUBECTL: '/nonexistent/kubectl' })).toThrow(UsageError);
  });

  it('k8s-fields.json matches the installed Kubernetes models (UPDATE_K8S_FIELDS=1 rewrites it)', async () => {
    const built = await buildFieldMap();
    if (process.env.UPDATE_K8S_FIELDS === '1') writeFileSync(join(REPO_ROOT, 'generators', 'audit', 'k8s-fields.json'), `${JSON.stringify(built)}\n`);
    else expect(built).toEqual(fieldMap);
  });
});
