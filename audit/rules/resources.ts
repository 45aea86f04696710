/** Predictable resources: the scheduler can place the pod and a neighbour cannot starve it. */
import type { Rule } from '../model.js';
import { asObj } from '../objects.js';
import { eachContainer } from './helpers.js';

function resourceRule(resource: 'cpu' | 'memory' | 'ephemeral-storage', mirrors: string): Rule {
  return {
    id: `resources-${resource}`,
    severity: 'error',
    principle: 'Predictable resources',
    mirrors,
    fix: `set resources.requests.${resource} and resources.limits.${resource}`,
    ...(resource === 'cpu'
      ? {
          decision:
            'resources-cpu: CPU limits are debated (throttling); Polaris (cpuLimitsMissing), kube-score (container-resources) and kube-linter ' +
            '(unset-cpu-requirements) all ask for them, and the HPA measures against requests, so this audit requires both.',
        }
      : {}),
    check: (input) =>
      eachContainer(input, ({ container }) => {
        const resources = asObj(container.resources);
        const missing = ['requests', 'limits'].filter((kind) => asObj(resources[kind])[resource] === undefined);
        return missing.length ? `no ${resource} ${missing.join(' or ')}` : undefined;
      }),
  };
}

export const resourceRules: Rule[] = [
  resourceRule('cpu', 'Polaris cpuRequestsMissing/cpuLimitsMissing, kube-score container-resources, kube-linter unset-cpu-requirements'),
  resourceRule('memory', 'Polaris memoryRequestsMissing/memoryLimitsMissing, kube-score container-resources, kube-linter unset-memory-requirements'),
  resourceRule('ephemeral-storage', 'kube-score container-ephemeral-storage-request-and-limit'),
];
