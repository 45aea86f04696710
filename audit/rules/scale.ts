/** Scale horizontally: several interchangeable replicas, spread out, that drains and autoscaling can move. */
import type { ManifestUnit, Obj, Rule } from '../model.js';
import { asArray, asObj, kindOf, nameOf, refOf, sameNamespace, selectorMatches, SERVING_KINDS, workloadsOf, type Workload } from '../objects.js';
import { eachWorkload, objectsOfKind } from './helpers.js';

export const MIN_REPLICAS = 2;

export function hpaFor(workload: Workload, unit: ManifestUnit): Obj | undefined {
  return objectsOfKind(unit, 'HorizontalPodAutoscaler')
    .map((object) => object.raw)
    .find((hpa) => {
      const target = asObj(asObj(hpa.spec).scaleTargetRef);
      return target.kind === kindOf(workload.raw) && target.name === nameOf(workload.raw) && sameNamespace(hpa, workload.raw);
    });
}

/** The fewest pods the workload runs: the HPA's minReplicas when one owns it, else spec.replicas. */
export function minReplicasOf(workload: Workload, unit: ManifestUnit): number {
  const hpa = hpaFor(workload, unit);
  const value: unknown = hpa ? asObj(hpa.spec).minReplicas : asObj(workload.raw.spec).replicas;
  return typeof value === 'number' ? value : 1;
}

const pdbsFor = (workload: Workload, unit: ManifestUnit): Obj[] =>
  objectsOfKind(unit, 'PodDisruptionBudget')
    .map((object) => object.raw)
    .filter((pdb) => sameNamespace(pdb, workload.raw) && asObj(pdb.spec).selector !== undefined && selectorMatches(asObj(pdb.spec).selector, workload.podLabels));

/** How many pods a PDB value stands for out of `total` (percentages round up, as the disruption controller does for minAvailable). */
function podsOf(value: unknown, total: number, round: (n: number) => number): number | undefined {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  return match ? round((Number(match[1]) * total) / 100) : undefined;
}

function selects(constraint: Obj, workload: Workload): boolean {
  return constraint.labelSelector !== undefined && selectorMatches(constraint.labelSelector, workload.podLabels);
}

export const scaleRules: Rule[] = [
  {
    id: 'pdb-present',
    severity: 'error',
    principle: 'Scale horizontally',
    mirrors: 'kube-score deployment-has-poddisruptionbudget, Polaris missingPodDisruptionBudget',
    fix: 'add a PodDisruptionBudget with maxUnavailable: 1 selecting the pods',
    check: (input) => eachWorkload(input, (workload, unit) => (pdbsFor(workload, unit).length ? [] : [{ message: 'no PodDisruptionBudget selects its pods' }]), { serving: true }),
  },
  {
    id: 'pdb-allows-eviction',
    severity: 'error',
    principle: 'Scale horizontally',
    mirrors: 'Polaris pdbDisruptionsIsZero/pdbMinAvailableGreaterThanHPAMinReplicas, kube-linter pdb-max-unavailable/pdb-min-available',
    fix: 'use maxUnavailable: 1 (or a minAvailable below the minimum replica count) so node drains can proceed',
    check: (input) =>
      eachWorkload(
        input,
        (workload, unit) =>
          pdbsFor(workload, unit).flatMap((pdb) => {
            const spec = asObj(pdb.spec);
            const min = minReplicasOf(workload, unit);
            const name = nameOf(pdb);
            if (spec.maxUnavailable !== undefined) {
              const pods = podsOf(spec.maxUnavailable, min, Math.ceil);
              return pods !== undefined && pods > 0 ? [] : [{ message: `PodDisruptionBudget '${name}' has maxUnavailable ${String(spec.maxUnavailable)}: no pod can ever be evicted` }];
            }
            if (spec.minAvailable !== undefined) {
              const pods = podsOf(spec.minAvailable, min, Math.ceil);
              return pods !== undefined && pods < min
                ? []
                : [{ message: `PodDisruptionBudget '${name}' has minAvailable ${String(spec.minAvailable)}, not below the ${min} replica(s) the workload may run: drains block` }];
            }
            return [{ message: `PodDisruptionBudget '${name}' sets neither maxUnavailable nor minAvailable` }];
          }),
        { serving: true },
      ),
  },
  {
    id: 'pdb-unhealthy-eviction-policy',
    severity: 'error',
    principle: 'Scale horizontally',
    mirrors: 'kube-linter pdb-unhealthy-pod-eviction-policy, kube-score poddisruptionbudget-has-policy',
    fix: 'set unhealthyPodEvictionPolicy: AlwaysAllow (a pod that is not ready serves nothing; its eviction must not wait for the budget)',
    check: (input) =>
      input.units.flatMap((unit) =>
        objectsOfKind(unit, 'PodDisruptionBudget')
          .filter((pdb) => asObj(pdb.raw.spec).unhealthyPodEvictionPolicy === undefined)
          .map((pdb) => ({ object: refOf(pdb.raw), source: pdb.source, message: 'unhealthyPodEvictionPolicy is not set: an unready pod can block a node drain' })),
      ),
  },
  {
    id: 'hpa-target-exists',
    severity: 'error',
    principle: 'Scale horizontally',
    mirrors: 'kube-score horizontalpodautoscaler-has-target, kube-linter dangling-horizontalpodautoscaler',
    fix: 'point scaleTargetRef at the Deployment shipped with these manifests (apiVersion apps/v1, kind, name)',
    check: (input) =>
      input.units.flatMap((unit) =>
        objectsOfKind(unit, 'HorizontalPodAutoscaler').flatMap((hpa) => {
          const target = asObj(asObj(hpa.raw.spec).scaleTargetRef);
          const found = unit.objects.some(
            (object) => kindOf(object.raw) === target.kind && nameOf(object.raw) === target.name && sameNamespace(object.raw, hpa.raw) && SERVING_KINDS.has(kindOf(object.raw)),
          );
          return found ? [] : [{ object: refOf(hpa.raw), source: hpa.source, message: `scaleTargetRef ${String(target.kind)}/${String(target.name)} is not among the manifests` }];
        }),
      ),
  },
  {
    id: 'hpa-min-replicas',
    severity: 'error',
    principle: 'Scale horizontally',
    mirrors: 'Polaris hpaMinAvailability/hpaMaxAvailability, kube-linter hpa-minimum-three-replicas',
    fix: `set minReplicas >= ${MIN_REPLICAS} and maxReplicas above it`,
    decision:
      `hpa-min-replicas: kube-linter (hpa-minimum-three-replicas) asks for 3, Polaris (hpaMinAvailability) for 2. This audit requires ${MIN_REPLICAS}: ` +
      'two replicas already survive one disruption with maxUnavailable 1, and a small dev overlay should not be an error; production overlays of microforge use 3.',
    check: (input) =>
      input.units.flatMap((unit) =>
        objectsOfKind(unit, 'HorizontalPodAutoscaler').flatMap((hpa) => {
          const spec = asObj(hpa.raw.spec);
          const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
          const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
          const problems: string[] = [];
          if (min < MIN_REPLICAS) problems.push(`minReplicas is ${min}: one pod is a single point of failure during every rollout and drain`);
          if (max <= min) problems.push(`maxReplicas ${max} does not exceed minReplicas ${min}: nothing to scale`);
          return problems.map((message) => ({ object: refOf(hpa.raw), source: hpa.source, message }));
        }),
      ),
  },
  {
    id: 'replicas-owned-by-hpa',
    severity: 'error',
    principle: 'Scale horizontally',
    mirrors: 'kube-score deployment-targeted-by-hpa-does-not-have-replicas-configured, Polaris deploymentMissingReplicas',
    fix: 'with an HPA: remove spec.replicas (every apply would reset the HPA); without one: set replicas >= 2 or add an HPA',
    decision:
      'replicas-owned-by-hpa: Polaris (deploymentMissingReplicas) wants spec.replicas set; kube-score wants it absent when an HPA targets the Deployment. ' +
      'This audit sides with kube-score: a fixed replicas field fights the HPA on every kubectl apply. Without an HPA it requires replicas >= 2, as Polaris does.',
    check: (input) =>
      eachWorkload(
        input,
        (workload, unit) => {
          const replicas: unknown = asObj(workload.raw.spec).replicas;
          if (hpaFor(workload, unit)) return replicas === undefined ? [] : [{ message: `sets replicas: ${String(replicas)} although a HorizontalPodAutoscaler owns the count` }];
          const count = typeof replicas === 'number' ? replicas : 1;
          return count >= MIN_REPLICAS ? [] : [{ message: `runs ${count} replica(s) and no HorizontalPodAutoscaler scales it` }];
        },
        { serving: true },
      ),
  },
  {
    id: 'topology-spread',
    severity: 'warning',
    principle: 'Scale horizontally',
    mirrors: 'Polaris topologySpreadConstraint, kube-score pod-topology-spread-constraints',
    fix: 'add topologySpreadConstraints over topology.kubernetes.io/zone (and kubernetes.io/hostname) selecting the pods',
    check: (input) =>
      eachWorkload(
        input,
        (workload) => {
          const constraints = asArray(workload.podSpec.topologySpreadConstraints);
          if (!constraints.length) return [{ message: 'no topologySpreadConstraints: all replicas may land in one zone' }];
          return constraints.some((constraint) => selects(constraint, workload)) ? [] : [{ message: "no topologySpreadConstraint's labelSelector selects the pods" }];
        },
        { serving: true },
      ),
  },
  {
    id: 'host-anti-affinity',
    severity: 'warning',
    principle: 'Scale horizontally',
    mirrors: 'kube-score deployment-has-host-podantiaffinity, kube-linter no-anti-affinity',
    fix: 'add podAntiAffinity (preferred) on topologyKey kubernetes.io/hostname selecting the pods',
    check: (input) =>
      eachWorkload(
        input,
        (workload) => {
          const antiAffinity = asObj(asObj(workload.podSpec.affinity).podAntiAffinity);
          const terms = [
            ...asArray(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution),
            ...asArray(antiAffinity.preferredDuringSchedulingIgnoredDuringExecution).map((term) => asObj(term.podAffinityTerm)),
          ];
          const ok = terms.some((term) => term.topologyKey === 'kubernetes.io/hostname' && selects(term, workload));
          return ok ? [] : [{ message: 'no pod anti-affinity on kubernetes.io/hostname: several replicas may share one node' }];
        },
        { serving: true },
      ),
  },
];

/** Used by the network rules too. */
export const podsOfUnit = (unit: ManifestUnit): Workload[] => workloadsOf(unit);
