/** Read helpers over untyped manifest objects, shared by the rules. */
import type { ManifestObject, ManifestUnit, Obj, ObjectRef } from './model.js';

export const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
export const asArray = (value: unknown): Obj[] => (Array.isArray(value) ? value.filter(isObj) : []);
export const asObj = (value: unknown): Obj => (isObj(value) ? value : {});

export function refOf(object: Obj): ObjectRef {
  const metadata = asObj(object.metadata);
  const ref: ObjectRef = { kind: String(object.kind ?? '?'), name: String(metadata.name ?? '?') };
  if (typeof metadata.namespace === 'string') ref.namespace = metadata.namespace;
  return ref;
}

export const kindOf = (object: Obj): string => String(object.kind ?? '');
export const nameOf = (object: Obj): string => String(asObj(object.metadata).name ?? '');
export const namespaceOf = (object: Obj): string | undefined => {
  const namespace = asObj(object.metadata).namespace;
  return typeof namespace === 'string' ? namespace : undefined;
};

/** Long-running workloads: the rules about probes, replicas, PDBs and spreading apply to these. */
export const SERVING_KINDS = new Set(['Deployment', 'StatefulSet']);
const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

export function podTemplateOf(object: Obj): Obj | undefined {
  const kind = kindOf(object);
  if (TEMPLATE_KINDS.has(kind)) return asObj(asObj(object.spec).template);
  if (kind === 'CronJob') return asObj(asObj(asObj(asObj(object.spec).jobTemplate).spec).template);
  if (kind === 'Pod') return { metadata: object.metadata, spec: object.spec };
  return undefined;
}

export interface Workload {
  object: ManifestObject;
  raw: Obj;
  podMeta: Obj;
  podSpec: Obj;
  podLabels: Record<string, string>;
}

export function workloadsOf(unit: ManifestUnit): Workload[] {
  const workloads: Workload[] = [];
  for (const object of unit.objects) {
    const template = podTemplateOf(object.raw);
    if (!template) continue;
    const podMeta = asObj(template.metadata);
    workloads.push({ object, raw: object.raw, podMeta, podSpec: asObj(template.spec), podLabels: stringMap(podMeta.labels) });
  }
  return workloads;
}

export interface ContainerRef {
  container: Obj;
  name: string;
  /** 'containers' | 'initContainers' | 'ephemeralContainers' */
  list: string;
}

export function containersOf(podSpec: Obj, lists: readonly string[] = ['initContainers', 'containers']): ContainerRef[] {
  return lists.flatMap((list) => asArray(podSpec[list]).map((container) => ({ container, name: String(container.name ?? '?'), list })));
}

/** Restartable init containers (sidecars) run for the pod's life like app containers. */
export function longRunningContainersOf(podSpec: Obj): ContainerRef[] {
  return containersOf(podSpec).filter(({ list, container }) => list === 'containers' || container.restartPolicy === 'Always');
}

export function stringMap(value: unknown): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(asObj(value))) map[key] = String(entry);
  return map;
}

/** Whether a LabelSelector (matchLabels + matchExpressions) selects these labels. Empty selects all. */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  const { matchLabels, matchExpressions } = asObj(selector);
  for (const [key, value] of Object.entries(stringMap(matchLabels))) if (labels[key] !== value) return false;
  for (const expression of asArray(matchExpressions)) {
    const key = String(expression.key);
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const has = key in labels;
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A Service's selector is a plain map and an empty one selects nothing (it has no endpoints). */
export function mapSelectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

export function sameNamespace(a: Obj, b: Obj): boolean {
  return (namespaceOf(a) ?? '') === (namespaceOf(b) ?? '');
}

/** Annotation-free deep equality for plain JSON-like values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (isObj(value)) return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical(value[key])]));
  return value;
}
