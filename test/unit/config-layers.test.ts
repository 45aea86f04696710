/**
 * The three configuration layers as rendered: the Deployment mounts the settings file
 * (CONFIG_FILE) from the generated ConfigMap read-only, takes secrets (ADMIN_TOKEN among them)
 * from Secrets, and with PostgreSQL the dynamic layer comes with its migration, admin API and
 * retention settings; without PostgreSQL none of that is rendered.
 */
import { describe, expect, it } from '@jest/globals';
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validSpecs } from '../../generators/lib/combinations.js';
import { renderRepo, type RenderedTree } from '../../generators/lib/render.js';

const specs = validSpecs({ name: 'order-service', resource: 'order-line' }, { includeUnavailable: true });

const text = (tree: RenderedTree, path: string): string => {
  const contents = tree.get(path);
  if (!contents) throw new Error(`${path} was not rendered`);
  return contents.toString('utf8');
};

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Deployment {
  spec: {
    template: {
      spec: {
        containers: Array<{ env: EnvVar[]; volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }>;
        volumes: Array<{ name: string; configMap?: { name: string } }>;
      };
    };
  };
}

describe.each(specs.map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}/${spec.broker ?? '-'}`, spec] as const))('configuration layers of %s', (_label, spec) => {
  const tree = renderRepo(spec);
  const deployment = parseYaml(text(tree, 'k8s/base/deployment.yaml')) as Deployment;
  const container = deployment.spec.template.spec.containers[0];
  if (!container) throw new Error('the Deployment has no container');
  const env = new Map(container.env.map((entry) => [entry.name, entry]));

  it('mounts CONFIG_FILE from the generated ConfigMap, read-only', () => {
    const configFile = env.get('CONFIG_FILE')?.value ?? '';
    expect(configFile).toMatch(/^\/etc\/order-service\/[\w.-]+\.ya?ml$/);
    const mount = container.volumeMounts.find((candidate) => candidate.mountPath === posix.dirname(configFile));
    expect(mount).toMatchObject({ readOnly: true });
    const volume = deployment.spec.template.spec.volumes.find((candidate) => candidate.name === mount?.name);
    const kustomization = parseYaml(text(tree, 'k8s/base/kustomization.yaml')) as { configMapGenerator: Array<{ name: string; files: string[] }> };
    const generated = kustomization.configMapGenerator.find((generator) => generator.name === volume?.configMap?.name);
    expect(generated?.files).toContain(posix.basename(configFile));
    expect(tree.has(`k8s/base/${posix.basename(configFile)}`)).toBe(true);
  });

  it('has the dynamic layer exactly with PostgreSQL', () => {
    const postgres = spec.storage === 'postgres';
    expect(tree.has('migrations/0003_add_order_lines_tombstones.sql')).toBe(postgres);
    expect(tree.has('migrations/0004_create_dynamic_settings.sql')).toBe(postgres);
    expect(tree.has('src/settings/admin-routes.ts')).toBe(postgres);
    expect(tree.has('src/db/tombstone-purger.ts')).toBe(postgres);
    expect(text(tree, 'src/config.ts').includes('DYNAMIC_SETTINGS_REFRESH_MS')).toBe(postgres);
    if (postgres) {
      // Optional, so the service starts without it and the admin API stays off.
      expect(env.get('ADMIN_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'order-service-admin', key: 'token', optional: true });
    } else {
      expect(env.has('ADMIN_TOKEN')).toBe(false);
    }
  });

  it('publishes an order-line.deleted event from a delete exactly when the outbox exists', () => {
    if (spec.storage !== 'postgres') return;
    const store = text(tree, 'src/order-lines/store.ts');
    const outbox = spec.messaging !== 'none';
    expect(store.includes("const DELETED_EVENT = 'order-line.deleted';")).toBe(outbox);
    expect(store.includes('insert into outbox')).toBe(outbox);
  });
});
