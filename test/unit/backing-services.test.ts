/**
 * Backing services and settings are data declared by the component that brings them: a made-up
 * service and its setting, added only through a component's contribution (no shared template
 * edited), reach CI, compose.yaml, the Deployment's env, the NetworkPolicy's egress,
 * .env.development, the quick start's `docker compose up`, the config schema, its test and the
 * README's settings table. The renderer takes the components as an argument, so the test renders
 * with a changed copy of the cache component and changes nothing shared.
 */
import { describe, expect, it } from '@jest/globals';
import { component as cache } from '../../generators/cache/component.js';
import type { Component } from '../../generators/lib/component.js';
import { COMPONENTS } from '../../generators/lib/components.js';
import { secretEnv, type BackingService } from '../../generators/lib/backing-service.js';
import { renderRepo } from '../../generators/lib/render.js';
import { setting } from '../../generators/lib/service-settings.js';
import { completeSpec } from '../../generators/lib/spec.js';

const search: BackingService = {
  composeService: 'opensearch',
  title: 'OpenSearch',
  runYourOwn: 'an OpenSearch 2',
  port: 9200,
  egressComment: ['OpenSearch (made up for this test).'],
  neededOnHost: true,
  compose: {
    environment: ['SEARCH_URL: "http://opensearch:9200"'],
    definition: '  opensearch:\n    image: "opensearchproject/opensearch:3"',
    volume: 'opensearch-data',
  },
  ci: {
    urlSetting: 'SEARCH_URL',
    url: 'http://localhost:9200',
    serviceContainer: '      opensearch:\n        image: opensearchproject/opensearch:3',
    startStep: '',
  },
};

const searchUrl = setting({
  name: 'SEARCH_URL',
  schema: { type: 'string', pattern: '^https?://', errorMessage: 'must be an http:// or https:// URL' },
  schemaComment: 'Where the search index lives (made up for this test).',
  secret: true,
  description: '`http://` URL of OpenSearch; from a Secret',
  development: 'http://127.0.0.1:9200',
  testValue: 'http://search.internal:9200',
});

/** The cache component as declared, plus the made-up service, its setting and its Secret. */
const cacheWithSearch: Component = {
  ...cache,
  backingServices: (context) => [...(cache.backingServices?.(context) ?? []), search],
  settings: (context) => [...(cache.settings?.(context) ?? []), searchUrl],
  deploymentEnv: (context) => [...(cache.deploymentEnv?.(context) ?? []), secretEnv('SEARCH_URL', 'From a Secret.', { name: `${context.name}-search`, key: 'url' })],
};

const text = (tree: ReadonlyMap<string, Buffer>, path: string): string => tree.get(path)?.toString('utf8') ?? '';

describe('backing services declared by components', () => {
  it('a service and its setting added through the cache component only show in CI, compose, the Deployment, egress, .env.development, the quick start and the settings', () => {
    const spec = completeSpec({ name: 'orders', resource: 'order' }, 'orders');
    const before = renderRepo(spec);
    expect(text(before, 'k8s/base/networkpolicy.yaml')).not.toContain('9200');

    const after = renderRepo(spec, undefined, COMPONENTS.map((component) => (component === cache ? cacheWithSearch : component)));
    expect(COMPONENTS).toContain(cache);

    expect(text(after, 'k8s/base/networkpolicy.yaml')).toContain('    # OpenSearch (made up for this test).\n    - ports:\n        - port: 9200\n          protocol: TCP\n');
    expect(text(after, 'k8s/base/deployment.yaml')).toContain(
      '            # From a Secret.\n            - name: SEARCH_URL\n              valueFrom:\n                secretKeyRef:\n                  name: orders-search\n                  key: url\n',
    );
    const ci = text(after, '.github/workflows/ci.yml');
    expect(ci).toContain('\n  SEARCH_URL: "http://localhost:9200"\n');
    expect(ci.split('      opensearch:\n        image: opensearchproject/opensearch:3\n')).toHaveLength(3);
    expect(ci).toContain('--network host --env DATABASE_URL --env REDIS_URL --env SEARCH_URL --env AMQP_URL \\\n');
    const compose = text(after, 'compose.yaml');
    expect(compose).toContain('      SEARCH_URL: "http://opensearch:9200"\n');
    expect(compose).toContain('      opensearch:\n        condition: service_healthy\n');
    expect(compose).toContain('\n  opensearch:\n    image: "opensearchproject/opensearch:3"\n');
    expect(compose).toMatch(/\nvolumes:\n(  .*\n)*  opensearch-data:\n/);
    expect(text(after, '.env.development').split('\n')).toContain('SEARCH_URL=http://127.0.0.1:9200');
    expect(text(after, 'README.md')).toContain('docker compose up -d redis opensearch rabbitmq');
    // The setting: in the schema after the cache's own, in its test's valid values, in the README's table.
    expect(text(after, 'src/config.ts')).toContain(
      "    CACHE_WARM_INTERVAL_MS: milliseconds(300_000, 1000, 86_400_000),\n    /** Where the search index lives (made up for this test). */\n    SEARCH_URL: Type.String({ pattern: '^https?://', errorMessage: 'must be an http:// or https:// URL' }),\n",
    );
    const configTest = text(after, 'test/config.test.ts');
    expect(configTest).toContain("\nconst SEARCH_URL = 'http://search.internal:9200';\n");
    expect(configTest).toContain('\nconst required = { DATABASE_URL, REDIS_URL, SEARCH_URL, AMQP_URL };\n');
    expect(text(after, 'README.md')).toContain('\n| `SEARCH_URL` | none | **yes** | **yes** | `http://` URL of OpenSearch; from a Secret |\n');
    // .env.development: the setting's local value after the cache's own, the rest as before.
    const developmentLines = text(after, '.env.development').split('\n');
    expect(developmentLines.slice(developmentLines.indexOf('REDIS_URL=redis://127.0.0.1:6379'))[1]).toBe('SEARCH_URL=http://127.0.0.1:9200');
    expect(developmentLines.filter((line) => !line.startsWith('SEARCH_URL='))).toEqual(text(before, '.env.development').split('\n'));
    // Everything else renders as before.
    const changed = [...after.keys()].filter((path) => !before.get(path)?.equals(after.get(path) as Buffer));
    const expected = [
      '.env.development',
      '.github/workflows/ci.yml',
      '.yo-rc.json',
      'CONTRIBUTING.md',
      'README.md',
      'compose.yaml',
      'k8s/base/deployment.yaml',
      'k8s/base/networkpolicy.yaml',
      'src/config.ts',
      'test/config.test.ts',
    ];
    expect(changed.filter((path) => !expected.includes(path))).toEqual([]);
  });
});
