/**
 * What `microforge new` tells the user to do next: the generated README's quick start after a
 * `cd`, without what already ran (the install), with starting the dependencies as a hint
 * rather than a step (compose is one way; a broker or Redis the developer already runs is
 * another), and a plain word when this Node.js cannot run the generated repo.
 */
import { relative } from 'node:path';
import { composeUpCommand, hostDependencies } from '../../generators/lib/documentation.js';
import { GENERATOR_VERSION } from '../../generators/lib/package-root.js';
import { GENERATED_SERVICE_RUNTIME } from '../../generators/lib/service-runtime.js';
import type { ServiceSpec } from '../../generators/lib/spec.js';
import { templateContextFor } from '../../generators/lib/template-context.js';
import { COMPONENTS } from '../../generators/lib/components.js';

export interface NextSteps {
  commands: string[];
  /** Sentences to print after the commands: what must run, which Node.js is needed. */
  notes: string[];
}

export function nextSteps(spec: ServiceSpec, target: string, installed: boolean, nodeVersion = process.versions.node): NextSteps {
  const context = templateContextFor(spec, GENERATOR_VERSION, COMPONENTS);
  const relativePath = relative(process.cwd(), target);
  const where = relativePath === '' ? undefined : relativePath.startsWith('..') ? target : relativePath;
  const composeUp = composeUpCommand(context.backingServices);
  // The quick start joins installing and starting the dependencies with &&: split them again.
  const steps = context.quickStartCommands.flatMap((command) => command.split(' && '));
  const commands = [...(where === undefined ? [] : [`cd ${where}`]), ...steps.filter((step) => step !== composeUp && !(installed && step === context.manager.install))];
  const notes: string[] = [];
  const needed = hostDependencies(context.backingServices);
  if (needed.length > 0) {
    const names = needed.map((service) => service.title).join(' and ');
    notes.push(`${context.manager.run} dev and ${context.manager.test} need ${names} at the URLs in .env.development; not running yet? ${composeUp}`);
  }
  const required = minimumNode(GENERATED_SERVICE_RUNTIME.nodeEngines);
  if (required !== undefined && compareVersions(nodeVersion, required) < 0) {
    notes.push(`the generated repo needs Node.js ${required} or newer (engines ${GENERATED_SERVICE_RUNTIME.nodeEngines}); this is Node.js ${nodeVersion}: switch before running these commands`);
  }
  return { commands, notes };
}

/** The lowest version an engines range like `>=22.18` or `>=22.18 <23 || >=24` accepts. */
export function minimumNode(engines: string): string | undefined {
  const lowest = [...engines.matchAll(/>=\s*(\d+(?:\.\d+){0,2})/g)].map((match) => match[1]!).sort(compareVersions)[0];
  return lowest;
}

export function compareVersions(left: string, right: string): number {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let index = 0; index < 3; index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
