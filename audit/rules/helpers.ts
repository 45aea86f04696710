/** Iteration helpers so each rule reads as the one condition it checks. */
import type { AuditInput, Hit, ManifestUnit, Obj } from '../model.js';
import { containersOf, longRunningContainersOf, refOf, SERVING_KINDS, workloadsOf, type ContainerRef, type Workload } from '../objects.js';

export function eachUnit(input: AuditInput, check: (unit: ManifestUnit) => Hit[]): Hit[] {
  return input.units.flatMap(check);
}

export function eachWorkload(input: AuditInput, check: (workload: Workload, unit: ManifestUnit) => Array<Omit<Hit, 'object' | 'source'>>, options: { serving?: boolean } = {}): Hit[] {
  return input.units.flatMap((unit) =>
    workloadsOf(unit)
      .filter((workload) => !options.serving || SERVING_KINDS.has(String(workload.raw.kind)))
      .flatMap((workload) => check(workload, unit).map((hit) => ({ object: refOf(workload.raw), source: workload.object.source, ...hit }))),
  );
}

export function eachContainer(
  input: AuditInput,
  check: (container: ContainerRef, workload: Workload) => string | undefined,
  options: { serving?: boolean; longRunningOnly?: boolean } = {},
): Hit[] {
  return eachWorkload(
    input,
    (workload) =>
      (options.longRunningOnly ? longRunningContainersOf(workload.podSpec) : containersOf(workload.podSpec)).flatMap((container) => {
        const message = check(container, workload);
        return message ? [{ message: `container '${container.name}': ${message}` }] : [];
      }),
    options,
  );
}

export function objectsOfKind(unit: ManifestUnit, kind: string): Array<{ raw: Obj; source: string }> {
  return unit.objects.filter((object) => object.raw.kind === kind);
}
