/**
 * Backing services are data declared by the component that brings them: a made-up one added only
 * through a component's contribution (no shared template edited) reaches CI, compose.yaml, the Deployment's
 * env, the NetworkPolicy's egress, .env.development and the quick start's `docker compose up`.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { component as cache } from '../../generators/cache/component.js';
import { secretEnv, type BackingService } from '../../generators/lib/backing-service.js';
import { renderRepo } from '../../generators/lib/render.js';
import { completeSpec } from '../../generators/lib/spec.js';

const search: BackingService = {
  composeService: 'opensearch',
  title: 'OpenSearch',
  runYourOwn: 'an OpenSearch 2',
  port: 9200,
  egressComment: ['OpenSearch (made up for this test).'],
  localEnvironment: ['SEARCH_URL=http://127.0.0.1:9200'],
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

const declared = cache.backingServices;
const declaredEnv = cache.deploymentEnv;
afterEach(() => {
  cache.backingServices = declared;
  cache.deploymentEnv = declaredEnv;
});

const text = (tree: ReadonlyMap<string, Buffer>, path: string): string => tree.get(path)?.toString('utf8') ?? '';

describe('backing services declared by components', () => {
  it('a service added through the cache component only shows in CI, compose, the Deployment, egress, .env.development and the quick start', () => {
    const spec = completeSpec({ name: 'orders', resource: 'order' }, 'orders');
    const before = renderRepo(spec);
    expect(text(before, 'k8s/base/networkpolicy.yaml')).not.toContain('9200');

    cache.backingServices = (context) => [...(declared?.(context) ?? []), search];
    cache.deploymentEnv = (context) => [...(declaredEnv?.(context) ?? []), secretEnv('SEARCH_URL', 'From a Secret.', { name: `${context.name}-search`, key: 'url' })];
    const after = renderRepo(spec);

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
    // Everything else renders as before.
    const changed = [...after.keys()].filter((path) => !before.get(path)?.equals(after.get(path) as Buffer));
    const expected = ['.env.development', '.github/workflows/ci.yml', '.yo-rc.json', 'CONTRIBUTING.md', 'README.md', 'compose.yaml', 'k8s/base/deployment.yaml', 'k8s/base/networkpolicy.yaml'];
    expect(changed.filter((path) => !expected.includes(path))).toEqual([]);
  });
});
