import { describe, expect, it } from '@jest/globals';
import { posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { matrixSpecs, validSpecs } from '../../generators/lib/combinations.js';
import { renderRepo } from '../../generators/lib/render.js';
import { SERVICE_VERSIONS } from '../../generators/lib/service-versions.js';
import { completeSpec } from '../../generators/lib/spec.js';

const matrix = matrixSpecs({ name: 'order-service', resource: 'order-line' });
const text = (tree: ReadonlyMap<string, Buffer>, path: string): string => {
  const contents = tree.get(path);
  if (!contents) throw new Error(`${path} was not rendered`);
  return contents.toString('utf8');
};

/** Bare module specifiers imported by the generated TypeScript: each must be a declared dependency. */
function importedPackages(source: string): string[] {
  const patterns = [/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/gms, /^\s*import\s+['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  const specifiers = patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] ?? ''));
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map((specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier)));
}

/**
 * src/ files production loads: those `npm start` and the other `node dist/*.js` scripts run,
 * and what they import statically. A file reached only through a dynamic `import('./x.ts')`
 * (the embedded development database) is not among them, so its packages may be devDependencies.
 */
function productionSources(tree: ReadonlyMap<string, Buffer>, scripts: Record<string, string>): Set<string> {
  const pending = Object.values(scripts).flatMap((script) => [...script.matchAll(/\bnode dist\/(\S+)\.js\b/g)].map((match) => `src/${match[1]}.ts`));
  const reached = new Set<string>();
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (reached.has(path) || !tree.has(path)) continue;
    reached.add(path);
    for (const match of (tree.get(path)?.toString('utf8') ?? '').matchAll(/^\s*(?:import|export)\s(?!type\b)[^;]*?\sfrom\s+'(\.[^']+)'/gms)) {
      pending.push(posix.join(posix.dirname(path), match[1] ?? ''));
    }
  }
  return reached;
}

describe.each(matrix.map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}${spec.broker ? `/${spec.broker}` : ''}`, spec] as const))('rendering %s', (_label, spec) => {
  const tree = renderRepo(spec);

  it('is pure: the same spec renders the same bytes', () => {
    const again = renderRepo(spec);
    expect([...again.keys()]).toEqual([...tree.keys()]);
    for (const [path, contents] of tree) expect(again.get(path)?.equals(contents)).toBe(true);
  });

  it('leaves no template syntax or unresolved names behind', () => {
    for (const [path, contents] of tree) {
      // GitHub Actions expressions (${{ }}) and Go templates ({{.Field}}) are meant to stay.
      const body = contents.toString('utf8').replace(/\$\{\{[^}]*\}\}/g, '').replace(/\{\{\.[^}]*\}\}/g, '');
      expect({ path, leftover: /\{\{|\}\}/.test(body) }).toEqual({ path, leftover: false });
      expect({ path, ok: !/undefined|\[object Object\]/.test(body) || path.endsWith('.ts') }).toEqual({ path, ok: true });
    }
  });

  it('renders parseable JSON and YAML', () => {
    for (const [path, contents] of tree) {
      if (path.endsWith('.json')) expect(() => JSON.parse(contents.toString('utf8'))).not.toThrow();
      if (path.endsWith('.yaml') || path.endsWith('.yml')) {
        for (const document of parseAllDocuments(contents.toString('utf8'))) expect({ path, errors: document.errors.map(String) }).toEqual({ path, errors: [] });
      }
    }
  });

  it('records the choices in .yo-rc.json for later commands', () => {
    const recorded = JSON.parse(text(tree, '.yo-rc.json'))['create-microforge'];
    expect(recorded).toMatchObject({ ...spec, generatorVersion: expect.any(String) });
  });

  it('declares every package its code imports, pinned from the one versions module', () => {
    const manifest = JSON.parse(text(tree, 'package.json'));
    const declared = { ...manifest.dependencies, ...manifest.devDependencies } as Record<string, string>;
    for (const [name, version] of Object.entries(declared)) {
      expect({ name, version }).toEqual({ name, version: SERVICE_VERSIONS[name as keyof typeof SERVICE_VERSIONS] });
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    }
    const production = productionSources(tree, manifest.scripts);
    expect({ main: production.has('src/main.ts'), dev: production.has('src/dev.ts'), embeddedDatabase: production.has('src/db/embedded.ts') }).toEqual({
      main: true,
      dev: false,
      embeddedDatabase: false,
    });
    for (const [path, contents] of tree) {
      if (!path.endsWith('.ts')) continue;
      const runtimeOnly = production.has(path);
      for (const name of importedPackages(contents.toString('utf8'))) {
        const where = runtimeOnly ? manifest.dependencies : declared;
        expect({ path, name, declared: name in where }).toEqual({ path, name, declared: true });
      }
    }
    expect(manifest.engines.node).toBe('>=24'); // admits both lines CI tests on (24 and 26)
    expect(manifest.name).toBe(spec.name);
  });

  it('uses the names derived from the spec', () => {
    const paths = [...tree.keys()];
    if (spec.storage === 'postgres') {
      expect(paths.some((path) => path.startsWith('migrations/') && path.endsWith('.sql'))).toBe(true);
      expect(paths.some((path) => path.includes('order-lines') || path.includes('orderLines') || path.includes('order_lines'))).toBe(true);
      expect(JSON.parse(text(tree, 'package.json')).dependencies.pg).toBeDefined();
    } else {
      expect(paths.some((path) => path.startsWith('migrations/'))).toBe(false);
      expect(JSON.parse(text(tree, 'package.json')).dependencies.pg).toBeUndefined();
    }
    for (const required of ['Dockerfile', '.dockerignore', 'k8s/base/kustomization.yaml', 'k8s/overlays/dev/kustomization.yaml', 'k8s/overlays/prod/kustomization.yaml', 'compose.yaml', 'README.md', '.gitignore', 'tsconfig.json', 'src/main.ts']) {
      expect(paths).toContain(required);
    }
  });
});

describe('the storage seam', () => {
  it('gives the stateless service no database wiring at all', () => {
    const tree = renderRepo(completeSpec({ storage: 'none' }, 'calc'));
    for (const [path, contents] of tree) {
      if (path.startsWith('src/')) expect({ path, mentionsDatabase: /DATABASE_URL|from 'pg'/.test(contents.toString('utf8')) }).toEqual({ path, mentionsDatabase: false });
    }
  });
});

describe('the messaging seam', () => {
  const messagingSpecs = matrix.filter((spec) => spec.messaging !== 'none');

  it('covers both semantics on both brokers with and without storage', () => {
    expect(new Set(messagingSpecs.map((spec) => `${spec.messaging}/${spec.broker}/${spec.storage}`)).size).toBe(8);
  });

  it.each(messagingSpecs.map((spec) => [`${spec.messaging}/${spec.broker}/${spec.storage}`, spec] as const))('%s: names, secret, egress, compose, ADR', (_label, spec) => {
    const tree = renderRepo(spec);
    const urlSetting = spec.broker === 'rabbitmq' ? 'AMQP_URL' : 'NATS_URL';
    const config = text(tree, 'src/config.ts');
    expect(config).toContain(`${urlSetting}: Type.String(`);
    expect(config).toContain("brokerName('order-service.order-line.commands')");
    expect(config).toContain("brokerName('order-service.events')");
    expect(config).toContain("brokerName('order-service.order-line.commands.dead-letter')");
    const deployment = text(tree, 'k8s/base/deployment.yaml');
    expect(deployment).toMatch(new RegExp(`- name: ${urlSetting}\\n\\s+valueFrom:\\n\\s+secretKeyRef:\\n\\s+name: order-service-broker\\n\\s+key: url`));
    expect(text(tree, 'k8s/base/networkpolicy.yaml')).toContain(`port: ${spec.broker === 'rabbitmq' ? 5672 : 4222}`);
    const compose = parseAllDocuments(text(tree, 'compose.yaml'))[0]?.toJSON() as { services: Record<string, { image?: string; command?: string[] }> };
    const brokerService = compose.services[spec.broker === 'rabbitmq' ? 'rabbitmq' : 'nats'];
    expect(brokerService?.image).toMatch(spec.broker === 'rabbitmq' ? /^rabbitmq:4\.\d+\.\d+-management$/ : /^nats:2\.\d+\.\d+/);
    if (spec.broker === 'nats') expect(brokerService?.command).toContain('-js');
    expect(text(tree, 'docs/adr/0001-messaging-semantics.md')).toContain(spec.messaging === 'at-least-once' ? '**At-least-once.**' : '**At-most-once.**');
    expect(text(tree, 'README.md')).toContain('## Messaging');
    expect(tree.has(`src/messaging/${spec.broker}-broker.ts`)).toBe(true);
    expect(tree.has('src/messaging/outbox.ts')).toBe(spec.storage === 'postgres');
    expect(tree.has('migrations/0002_create_inbox_and_outbox.sql')).toBe(spec.storage === 'postgres');
  });

  it('adds nothing of messaging without it', () => {
    const tree = renderRepo(completeSpec({ storage: 'postgres', messaging: 'none' }, 'plain'));
    expect([...tree.keys()].filter((path) => path.includes('messaging') || path.startsWith('docs/adr/0001'))).toEqual([]);
    expect(text(tree, 'src/config.ts')).not.toMatch(/AMQP_URL|NATS_URL|MESSAGING_/);
  });
});

describe('the longest allowed name', () => {
  it('still gives every namespace, label and DNS-label object name at most 63 characters', () => {
    const name = `a${'b'.repeat(61)}c`;
    const tree = renderRepo(completeSpec({ name, storage: 'postgres' }, name));
    const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
    for (const [path, contents] of tree) {
      if (!path.startsWith('k8s/') || !path.endsWith('.yaml')) continue;
      for (const document of parseAllDocuments(contents.toString('utf8'))) {
        const object = document.toJS() as { kind?: string; metadata?: { name?: string; labels?: Record<string, string> }; namespace?: string };
        const names = [object.namespace, object.kind === 'Namespace' || object.kind === 'Service' ? object.metadata?.name : undefined, ...Object.values(object.metadata?.labels ?? {})];
        for (const value of names.filter((candidate): candidate is string => typeof candidate === 'string')) {
          expect({ path, value, valid: value.length <= 63 && label.test(value) }).toEqual({ path, value, valid: true });
        }
      }
    }
  });
});
