import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findKubectl } from '../../../audit/kustomize.js';
import { invalidValues, unknownFields } from '../../../audit/schema.js';
import { emitManifest, parseManifests } from '../../../audit/yaml.js';
import { UsageError } from '../../../generators/lib/usage-error.js';
import { REPO_ROOT } from '../../e2e/support/paths.js';
import { buildFieldMap } from './support/build-field-map.js';
import fieldMap from '../../../audit/k8s-fields.json' with { type: 'json' };

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

  it('checks required fields, types and enums the way the OpenAPI validators do, without shipping them', async () => {
    const { Deployment } = await import('kubernetes-models/apps/v1/Deployment');
    const { Service } = await import('kubernetes-models/v1/Service');
    const container = { name: 'api', image: 'a:1', imagePullPolicy: 'IfNotPresent', env: [{ name: 'A', value: 'x' }], ports: [{ containerPort: 8080 }], resources: { limits: { cpu: '500m', memory: 256 } }, readinessProbe: { httpGet: { path: '/readyz', port: 'http' } } };
    const deployment = (mutate: (spec: Record<string, any>) => void) => {
      const object: Record<string, any> = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', labels: { app: 'a' }, creationTimestamp: null }, spec: { replicas: 2, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [structuredClone(container)] } } } };
      mutate(object);
      return object;
    };
    const cases = [
      deployment(() => undefined),
      deployment((o) => (o.spec.replicas = '3')),
      deployment((o) => (o.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes')),
      deployment((o) => (o.spec.template.spec.containers[0].env[0].value = true)),
      deployment((o) => delete o.spec.template.spec.containers[0].name),
      deployment((o) => delete o.spec.selector),
      deployment((o) => (o.spec.template.spec.containers[0].ports[0].containerPort = '8080')),
      deployment((o) => (o.spec.template.spec.containers[0].args = ['--a', 1])),
      deployment((o) => (o.metadata.labels.tier = 3)),
      deployment((o) => (o.spec.template.spec.containers[0].resources.limits.cpu = true)),
    ];
    const openApiPaths = (object: Record<string, any>) => {
      try {
        new Deployment(object).validate();
        return [];
      } catch (error) {
        return [...new Set(((error as { errors: Array<{ instancePath: string }> }).errors ?? []).map((e) => e.instancePath))].sort();
      }
    };
    for (const object of cases) expect([...new Set(invalidValues(object).map((e) => e.instancePath))].sort()).toEqual(openApiPaths(object));
    expect(invalidValues(cases[1]!)[0]).toMatchObject({ instancePath: '/spec/replicas', keyword: 'type' });
    expect(invalidValues(cases[2]!)[0]).toMatchObject({ keyword: 'enum', params: { allowedValues: ['Always', 'IfNotPresent', 'Never'] } });
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 'http', protocol: 'TCPX' }] } };
    expect(invalidValues(service).map((e) => e.instancePath)).toEqual(['/spec/ports/0/protocol']);
    expect(() => new Service(service as never).validate()).toThrow();
  });

  it('rejects a MICROFORGE_KUBECTL that is not executable, as bad input', () => {
    expect(() => findKubectl({ MICROFORGE_KUBECTL: '/nonexistent/kubectl' })).toThrow(UsageError);
  });

  it('k8s-fields.json matches the installed Kubernetes models (UPDATE_K8S_FIELDS=1 rewrites it)', async () => {
    const built = await buildFieldMap();
    if (process.env.UPDATE_K8S_FIELDS === '1') writeFileSync(join(REPO_ROOT, 'audit', 'k8s-fields.json'), `${JSON.stringify(built)}\n`);
    else expect(built).toEqual(fieldMap);
  });
});
