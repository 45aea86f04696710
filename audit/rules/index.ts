/** Every rule, in report order. Ids are unique and stable: tools and tests refer to them. */
import { dockerfileRules } from '../dockerfile.js';
import type { Rule } from '../model.js';
import { runtimeRules } from '../runtime-code.js';
import { schemaRules } from '../schema.js';
import { filesystemRules } from './filesystem.js';
import { imageRules } from './image.js';
import { jobRules } from './jobs.js';
import { leastPrivilegeRules } from './least-privilege.js';
import { linterExemptionRules } from './linter-exemptions.js';
import { monitoringRules } from './monitoring.js';
import { networkRules } from './network.js';
import { probeRules } from './probes.js';
import { resourceRules } from './resources.js';
import { scaleRules } from './scale.js';
import { secretRules } from './secrets.js';
import { validityRules } from './validity.js';

export const RENDER_RULE: Rule = {
  id: 'manifests-render',
  severity: 'error',
  principle: 'Valid manifests',
  mirrors: 'kubectl kustomize / YAML 1.1 parsing',
  fix: 'fix the kustomization or YAML so that it renders (run: kubectl kustomize <dir>)',
  check: () => [],
};

export const RULES: readonly Rule[] = [
  RENDER_RULE,
  ...schemaRules,
  ...validityRules,
  ...imageRules,
  ...leastPrivilegeRules,
  ...filesystemRules,
  ...resourceRules,
  ...jobRules,
  ...probeRules,
  ...scaleRules,
  ...networkRules,
  ...linterExemptionRules,
  ...monitoringRules,
  ...secretRules,
  ...dockerfileRules,
  ...runtimeRules,
];

export function ruleById(id: string): Rule {
  const rule = RULES.find((candidate) => candidate.id === id);
  if (!rule) throw new Error(`no audit rule ${id}`);
  return rule;
}
