/**
 * What the cache choice adds to a rendered repo, for every combination of the matrix: the cache
 * code and its migration exactly when there is a cache, the Redis backend, its connection
 * setting, Secret, egress, compose service and CI service exactly when the cache is Redis.
 */
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { matrixSpecs } from '../../generators/lib/combinations.js';
import { renderRepo } from '../../generators/lib/render.js';

const matrix = matrixSpecs({ name: 'order-service', resource: 'order-line' });
const text = (tree: ReadonlyMap<string, Buffer>, path: string): string => tree.get(path)?.toString('utf8') ?? '';

describe.each(matrix.map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}${spec.broker ? `/${spec.broker}` : ''}`, spec] as const))('cache in %s', (_label, spec) => {
  const tree = renderRepo(spec);
  const cached = spec.cache !== 'none';
  const redis = spec.cache === 'redis';

  it('renders the cache code, its tests, its migration and ADR 0004 only with a cache', () => {
    expect({
      cachedStore: tree.has('src/cache/cached-store.ts'),
      listener: tree.has('src/cache/invalidation-listener.ts'),
      tests: tree.has('test/cache/cached-store.test.ts'),
      migration: tree.has('migrations/0005_notify_order_lines_changes.sql'),
      adr: tree.has('docs/adr/0004-cache.md'),
      wired: text(tree, 'src/adapters.ts').includes('createOrderLineCache'),
    }).toEqual({ cachedStore: cached, listener: cached, tests: cached, migration: cached, adr: cached, wired: cached });
    if (!cached) return;
    expect(text(tree, 'src/cache/backends.ts')).toContain(redis ? "from 'ioredis'" : "from 'lru-cache'");
    const migration = text(tree, 'migrations/0005_notify_order_lines_changes.sql');
    expect(migration).toMatch(/after insert or update or delete on "order_lines"/);
    expect(migration).toMatch(/after truncate on "order_lines"/);
    expect(text(tree, 'src/cache/cached-store.ts')).toContain("CHANGES_CHANNEL = 'order_lines_changes'");
    const manifest = JSON.parse(text(tree, 'package.json')) as { dependencies: Record<string, string> };
    expect({ ioredis: 'ioredis' in manifest.dependencies, lruCache: 'lru-cache' in manifest.dependencies }).toEqual({ ioredis: redis, lruCache: !redis });
  });

  it('connects to Redis (setting, Secret, egress, compose, CI) only with the Redis cache', () => {
    const deployment = parse(text(tree, 'k8s/base/deployment.yaml')) as {
      spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string } } }> }> } } };
    };
    const redisEnv = deployment.spec.template.spec.containers[0]?.env.find((entry) => entry.name === 'REDIS_URL');
    const policy = parse(text(tree, 'k8s/base/networkpolicy.yaml')) as { spec: { egress: Array<{ ports?: Array<{ port: number }> }> } };
    const compose = parse(text(tree, 'compose.yaml')) as { services: Record<string, { environment?: Record<string, string> }> };
    const workflow = parse(text(tree, '.github/workflows/ci.yml')) as { env?: Record<string, string>; jobs: { test: { services?: Record<string, unknown> } } };
    expect({
      setting: text(tree, 'src/config.ts').includes('REDIS_URL:'),
      secret: redisEnv?.valueFrom?.secretKeyRef?.name,
      egress: policy.spec.egress.some((rule) => rule.ports?.some((port) => port.port === 6379) ?? false),
      composeService: 'redis' in compose.services,
      composeUrl: compose.services['order-service']?.environment?.['REDIS_URL'],
      ciService: 'redis' in (workflow.jobs.test.services ?? {}),
      ciUrl: workflow.env?.['REDIS_URL'],
    }).toEqual(
      redis
        ? { setting: true, secret: 'order-service-cache', egress: true, composeService: true, composeUrl: 'redis://redis:6379', ciService: true, ciUrl: 'redis://localhost:6379' }
        : { setting: false, secret: undefined, egress: false, composeService: false, composeUrl: undefined, ciService: false, ciUrl: undefined },
    );
  });
});
