import { CHOICES, completeSpec, type ChoiceKey, type CompleteSpecOptions, type ServiceSpec } from './spec.js';
import { UsageError } from './usage-error.js';

/**
 * Every combination of enum choices the model declares, complete and valid for this release:
 * the test matrix comes from here, never from a hand-kept list.
 */
export function validSpecs(
  base: Pick<ServiceSpec, 'name' | 'resource'> = { name: 'matrix-service', resource: 'item' },
  options: CompleteSpecOptions = {},
): ServiceSpec[] {
  let partials: Array<Partial<ServiceSpec>> = [{ ...base }];
  for (const choice of CHOICES) {
    if (choice.kind !== 'enum') continue;
    partials = partials.flatMap((partial) => choice.options.map((option) => ({ ...partial, [choice.key]: option.value })));
  }
  const specs = new Map<string, ServiceSpec>();
  for (const partial of partials) {
    if (partial.messaging === 'none') delete partial.broker;
    try {
      const spec = completeSpec(partial, base.name, options);
      specs.set(JSON.stringify(spec), spec);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
    }
  }
  return [...specs.values()];
}

/**
 * Choices whose unavailable values are still rendered, audited and tested in the matrix while
 * their component is being built, so the CLI can offer them the day they pass.
 */
export const BUILDING_CHOICES: readonly ChoiceKey[] = [];

/** validSpecs() plus the combinations of the choices still being built: what the matrix tests cover. */
export function matrixSpecs(base?: Pick<ServiceSpec, 'name' | 'resource'>): ServiceSpec[] {
  return validSpecs(base, { includeUnavailable: BUILDING_CHOICES });
}
