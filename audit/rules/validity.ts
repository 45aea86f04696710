/** Valid manifests beyond the schema: selectors and labels the API accepts and that mean what they say. */
import type { Hit, Obj, Rule } from '../model.js';
import { asArray, asObj, isObj, refOf, selectorMatches } from '../objects.js';
import { eachWorkload } from './helpers.js';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `label key '${key}' has more than one '/'`;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `label key prefix '${prefix}' is not a DNS subdomain`;
  if (!name || name.length > 63 || !NAME.test(name)) return `label key '${key}' is not a valid name (at most 63 characters: letters, digits, '-', '_', '.')`;
  return undefined;
}

export function labelValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `label value ${JSON.stringify(value)} is not a string (quote it: YAML 1.1 reads yes/no/on/off as booleans)`;
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value)) return `label value '${value}' is invalid (at most 63 characters: letters, digits, '-', '_', '.', starting and ending alphanumeric)`;
  return undefined;
}

function labelProblems(labels: unknown, where: string): string[] {
  if (!isObj(labels)) return [];
  return Object.entries(labels).flatMap(([key, value]) => [labelKeyProblem(key), labelValueProblem(value)].filter((p): p is string => Boolean(p)).map((p) => `${where}: ${p}`));
}

function selectorLabelMaps(object: Obj): Array<[unknown, string]> {
  const spec = asObj(object.spec);
  const maps: Array<[unknown, string]> = [];
  if (object.kind === 'Service') maps.push([spec.selector, 'spec.selector']);
  else if (isObj(spec.selector)) maps.push([spec.selector.matchLabels, 'spec.selector.matchLabels']);
  if (isObj(spec.podSelector)) maps.push([spec.podSelector.matchLabels, 'spec.podSelector.matchLabels']);
  return maps;
}

export const validityRules: Rule[] = [
  {
    id: 'label-values',
    severity: 'error',
    principle: 'Valid manifests',
    mirrors: 'kube-score label-values',
    fix: 'use label keys and values of at most 63 characters: letters, digits, - _ . (values may be empty)',
    check: (input) =>
      input.units.flatMap((unit) =>
        unit.objects.flatMap((object): Hit[] => {
          const template = asObj(asObj(object.raw.spec).template);
          const messages = [
            ...labelProblems(asObj(object.raw.metadata).labels, 'metadata.labels'),
            ...labelProblems(asObj(template.metadata).labels, 'spec.template.metadata.labels'),
            ...selectorLabelMaps(object.raw).flatMap(([labels, where]) => labelProblems(labels, where)),
          ];
          return [...new Set(messages)].map((message) => ({ object: refOf(object.raw), source: object.source, message }));
        }),
      ),
  },
  {
    id: 'selector-matches-template',
    severity: 'error',
    principle: 'Valid manifests',
    mirrors: 'kube-linter mismatching-selector',
    fix: "make spec.selector select the pod template's labels (and keep it to stable labels: it is immutable)",
    check: (input) =>
      eachWorkload(input, ({ raw, podLabels }) => {
        if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(String(raw.kind))) return [];
        const selector = asObj(raw.spec).selector;
        if (!isObj(selector) || (!Object.keys(asObj(selector.matchLabels)).length && !asArray(selector.matchExpressions).length)) {
          return [{ message: 'spec.selector is empty' }];
        }
        return selectorMatches(selector, podLabels) ? [] : [{ message: "spec.selector does not select the pod template's labels" }];
      }),
  },
];
