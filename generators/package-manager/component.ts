import type { Component } from '../lib/component.js';
import { packageManagerCommands } from '../lib/package-manager.js';

/**
 * pnpm's and Yarn's own settings files, for repos that install with them; npm needs none. The
 * commands every other file prints come from package-manager.ts through the template context.
 */
export const component: Component = {
  id: 'package-manager',
  includedIn: (spec) => spec.packageManager !== undefined,
  templateDirs: (spec) => [`package-manager/${packageManagerCommands(spec.packageManager).id}`],
};
