/**
 * What the independent linters (Polaris, kube-score, Checkov) would still report on manifests
 * this audit accepts. Where the audit takes a side the linters do not (IfNotPresent for a pinned
 * image), the manifest must carry each linter's own exemption annotation, with the reason
 * beside it, so a user running those tools sees zero; where a linter reads a manifest more
 * narrowly than Kubernetes does (Polaris' missingNetworkPolicy), the manifest is written its way.
 */
import type { Obj, Rule } from '../model.js';
import { asObj, containersOf, sameNamespace, selectorMatches, stringMap } from '../objects.js';
import { eachWorkload, objectsOfKind } from './helpers.js';

const POLARIS_PULL_EXEMPTION = 'polaris.fairwinds.com/pullPolicyNotAlways-exempt';
const KUBE_SCORE_IGNORE = 'kube-score/ignore';
/** Checkov's "Image Pull Policy should be Always". */
const CHECKOV_PULL_CHECK = 'CKV_K8S_15';

function annotationsOf(raw: Obj): Record<string, string> {
  return stringMap(asObj(raw.metadata).annotations);
}

export const linterExemptionRules: Rule[] = [
  {
    id: 'pull-policy-exemptions',
    severity: 'error',
    principle: 'Supply chain / image',
    mirrors: 'Polaris pullPolicyNotAlways, kube-score container-image-pull-policy, Checkov CKV_K8S_15',
    fix:
      `annotate the workload: ${POLARIS_PULL_EXEMPTION}: "true", ${KUBE_SCORE_IGNORE}: container-image-pull-policy, ` +
      `checkov.io/skip1: ${CHECKOV_PULL_CHECK}=<why IfNotPresent is right here>`,
    decision:
      'pull-policy-exemptions: image-pull-policy accepts IfNotPresent for a pinned image; Polaris, kube-score and Checkov do not. A workload ' +
      'that uses it must say so to each of them, with a reason, so that running them reports nothing unexplained.',
    check: (input) =>
      eachWorkload(input, (workload) => {
        if (!containersOf(workload.podSpec).some(({ container }) => container.imagePullPolicy === 'IfNotPresent')) return [];
        const annotations = annotationsOf(workload.raw);
        const missing: string[] = [];
        if (annotations[POLARIS_PULL_EXEMPTION] !== 'true') missing.push(`${POLARIS_PULL_EXEMPTION}: "true" (Polaris)`);
        if (!(annotations[KUBE_SCORE_IGNORE] ?? '').split(',').map((check) => check.trim()).includes('container-image-pull-policy')) {
          missing.push(`${KUBE_SCORE_IGNORE}: container-image-pull-policy (kube-score)`);
        }
        const checkov = Object.entries(annotations).find(([key, value]) => /^checkov\.io\/skip\d+$/.test(key) && value.startsWith(`${CHECKOV_PULL_CHECK}=`));
        if (!checkov) missing.push(`checkov.io/skipN: ${CHECKOV_PULL_CHECK}=<reason> (Checkov)`);
        else if (checkov[1].slice(CHECKOV_PULL_CHECK.length + 1).trim() === '') missing.push(`a reason after ${CHECKOV_PULL_CHECK}= in ${checkov[0]}`);
        return missing.length ? [{ message: `uses imagePullPolicy IfNotPresent without the linters' exemption: ${missing.join('; ')}` }] : [];
      }),
  },
  {
    id: 'networkpolicy-single-label-selector',
    severity: 'error',
    principle: 'Network isolation',
    mirrors: 'Polaris missingNetworkPolicy',
    fix: "select the pods with exactly one label of the pod template (e.g. app.kubernetes.io/name) in spec.podSelector.matchLabels",
    decision:
      "networkpolicy-single-label-selector: Kubernetes matches any subset of the pod's labels; Polaris' missingNetworkPolicy schema only recognises a policy whose " +
      'podSelector.matchLabels has exactly one label, equal to one of the pod template labels.',
    check: (input) =>
      eachWorkload(input, (workload, unit) => {
        const selecting = objectsOfKind(unit, 'NetworkPolicy')
          .map((object) => object.raw)
          .filter((policy) => sameNamespace(policy, workload.raw) && selectorMatches(asObj(policy.spec).podSelector, workload.podLabels));
        if (selecting.length === 0) return [];
        const polarisSees = selecting.some((policy) => {
          const selector = asObj(asObj(policy.spec).podSelector);
          const labels = Object.entries(stringMap(selector.matchLabels));
          return selector.matchExpressions === undefined && labels.length === 1 && workload.podLabels[labels[0]![0]] === labels[0]![1];
        });
        return polarisSees ? [] : [{ message: 'no NetworkPolicy selects its pods by exactly one of their labels: Polaris reports missingNetworkPolicy' }];
      }),
  },
  {
    id: 'instance-label-is-name',
    severity: 'error',
    principle: 'Valid manifests',
    mirrors: 'Polaris (app.kubernetes.io/instance), Kubernetes recommended labels',
    fix: 'set app.kubernetes.io/instance to the workload\'s own name (it identifies this instance of the application)',
    check: (input) =>
      eachWorkload(input, (workload) => {
        const name = String(asObj(workload.raw.metadata).name ?? '');
        const instance = stringMap(asObj(workload.raw.metadata).labels)['app.kubernetes.io/instance'];
        return instance !== undefined && instance !== name ? [{ message: `app.kubernetes.io/instance is '${instance}', not its name '${name}'` }] : [];
      }),
  },
];
