/** Network isolation: pods talk only to what they need, and Services reach the pods they mean. */
import type { Hit, Obj, Rule } from '../model.js';
import { asArray, asObj, containersOf, mapSelectorMatches, refOf, sameNamespace, selectorMatches, stringMap, workloadsOf } from '../objects.js';
import { eachWorkload, objectsOfKind } from './helpers.js';

function policyTypesOf(policy: Obj): string[] {
  const spec = asObj(policy.spec);
  if (Array.isArray(spec.policyTypes)) return spec.policyTypes.map(String);
  return ['Ingress', ...(spec.egress !== undefined ? ['Egress'] : [])];
}

export const networkRules: Rule[] = [
  {
    id: 'networkpolicy-covers-pods',
    severity: 'error',
    principle: 'Network isolation',
    mirrors: 'kube-score pod-networkpolicy, Polaris missingNetworkPolicy',
    fix: 'add a NetworkPolicy selecting the pods with policyTypes [Ingress, Egress] and only the traffic the service needs',
    check: (input) =>
      eachWorkload(input, (workload, unit) => {
        const policies = objectsOfKind(unit, 'NetworkPolicy')
          .map((object) => object.raw)
          .filter((policy) => sameNamespace(policy, workload.raw) && selectorMatches(asObj(policy.spec).podSelector, workload.podLabels));
        if (!policies.length) return [{ message: 'no NetworkPolicy selects its pods: they accept and send any traffic' }];
        const types = new Set(policies.flatMap(policyTypesOf));
        const missing = ['Ingress', 'Egress'].filter((type) => !types.has(type));
        return missing.length ? [{ message: `the NetworkPolicies selecting its pods do not restrict ${missing.join(' or ')}` }] : [];
      }),
  },
  {
    id: 'networkpolicy-targets-pods',
    severity: 'error',
    principle: 'Network isolation',
    mirrors: 'kube-score networkpolicy-targets-pod',
    fix: "make spec.podSelector match the pod template's labels",
    check: (input) =>
      input.units.flatMap((unit) => {
        const workloads = workloadsOf(unit);
        return objectsOfKind(unit, 'NetworkPolicy')
          .filter((policy) => !workloads.some((workload) => sameNamespace(policy.raw, workload.raw) && selectorMatches(asObj(policy.raw.spec).podSelector, workload.podLabels)))
          .map((policy) => ({ object: refOf(policy.raw), source: policy.source, message: 'spec.podSelector selects no pods among the manifests' }));
      }),
  },
  {
    id: 'service-targets-pods',
    severity: 'error',
    principle: 'Network isolation',
    mirrors: 'kube-score service-targets-pod, kube-linter dangling-service',
    fix: "make the Service's selector match the pod template's labels",
    check: (input) =>
      input.units.flatMap((unit) => {
        const workloads = workloadsOf(unit);
        return objectsOfKind(unit, 'Service').flatMap((service): Hit[] => {
          const spec = asObj(service.raw.spec);
          if (spec.type === 'ExternalName' || spec.selector === undefined) return [];
          const selector = stringMap(spec.selector);
          const matched = workloads.some((workload) => sameNamespace(service.raw, workload.raw) && mapSelectorMatches(selector, workload.podLabels));
          return matched ? [] : [{ object: refOf(service.raw), source: service.source, message: 'spec.selector selects no pods among the manifests' }];
        });
      }),
  },
  {
    id: 'service-target-port',
    severity: 'error',
    principle: 'Network isolation',
    mirrors: 'kube-linter dangling-service/invalid-target-ports, kube-score service-targets-pod',
    fix: 'set targetPort to a port name (or number) that the selected containers declare',
    check: (input) =>
      input.units.flatMap((unit) => {
        const workloads = workloadsOf(unit);
        return objectsOfKind(unit, 'Service').flatMap((service): Hit[] => {
          const spec = asObj(service.raw.spec);
          if (spec.selector === undefined) return [];
          const selector = stringMap(spec.selector);
          const selected = workloads.filter((workload) => sameNamespace(service.raw, workload.raw) && mapSelectorMatches(selector, workload.podLabels));
          if (!selected.length) return [];
          const ports = selected.flatMap((workload) => containersOf(workload.podSpec, ['containers']).flatMap(({ container }) => asArray(container.ports)));
          return asArray(spec.ports).flatMap((port): Hit[] => {
            const target: unknown = port.targetPort ?? port.port;
            const ok = typeof target === 'number' ? ports.some((candidate) => candidate.containerPort === target) : ports.some((candidate) => candidate.name === target);
            return ok ? [] : [{ object: refOf(service.raw), source: service.source, message: `port '${String(port.name ?? port.port)}' targets ${String(target)}, which no selected container declares` }];
          });
        });
      }),
  },
];

