import type { PackageJsonContribution } from './component.js';
import { sortedByDependencyName } from './dependency-order.js';
import type { TemplateContext } from './template-context.js';

function mergeRecords(target: Record<string, string>, addition: Record<string, string> | undefined, what: string): void {
  for (const [key, value] of Object.entries(addition ?? {})) {
    if (key in target && target[key] !== value) {
      throw new Error(`two components disagree on ${what} '${key}': '${target[key]}' and '${value}'`);
    }
    target[key] = value;
  }
}

/**
 * The generated package.json, merged from every component's contribution. Scripts keep the
 * order components give them (it is the order a reader expects); dependencies are sorted like npm does.
 */
export function renderPackageJson(context: TemplateContext, contributions: readonly PackageJsonContribution[]): string {
  const scripts: Record<string, string> = {};
  const dependencies: Record<string, string> = {};
  const devDependencies: Record<string, string> = {};
  for (const contribution of contributions) {
    mergeRecords(scripts, contribution.scripts, 'script');
    mergeRecords(dependencies, contribution.dependencies, 'dependency');
    mergeRecords(devDependencies, contribution.devDependencies, 'devDependency');
  }
  const manifest = {
    name: context.name,
    version: '0.1.0',
    private: true,
    description: `The ${context.name} service: ${context.resourcePlural} over HTTP.`,
    type: 'module',
    engines: { node: context.nodeEngines },
    // Which manager and version the repo installs with (corepack's field, which Yarn reads).
    ...(context.manager.packageManagerField === '' ? {} : { packageManager: context.manager.packageManagerField }),
    scripts,
    dependencies: sortedByDependencyName(dependencies),
    devDependencies: sortedByDependencyName(devDependencies),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
