/**
 * The service's NetworkPolicy lets it reach exactly the ports its configured URLs can use, plain
 * and TLS (the README's own examples use rediss on 6380 and amqps on 5671), for every combination.
 */
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { matrixSpecs } from '../../generators/lib/combinations.js';
import { renderRepo } from '../../generators/lib/render.js';

const matrix = matrixSpecs({ name: 'order-service', resource: 'order-line' });

describe.each(matrix.map((spec) => [`${spec.storage}/${spec.cache}/${spec.messaging}${spec.broker ? `/${spec.broker}` : ''}`, spec] as const))('egress in %s', (_label, spec) => {
  it('allows DNS and the plain and TLS ports of each dependency, nothing else', () => {
    const tree = renderRepo(spec);
    const policy = parse(tree.get('k8s/base/networkpolicy.yaml')?.toString('utf8') ?? '') as { spec: { egress: Array<{ ports?: Array<{ port: number; protocol: string }> }> } };
    const ports = policy.spec.egress.flatMap((rule) => (rule.ports ?? []).filter((port) => port.protocol === 'TCP').map((port) => port.port));
    const expected = [53];
    if (spec.storage === 'postgres') expected.push(5432);
    if (spec.cache === 'redis') expected.push(6379, 6380);
    if (spec.messaging !== 'none') expected.push(...(spec.broker === 'rabbitmq' ? [5672, 5671] : [4222]));
    expect(ports.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
  });
});
