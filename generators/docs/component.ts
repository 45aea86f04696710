import type { Component } from '../lib/component.js';

/**
 * The generated repo's own documentation: README (quick start, architecture, configuration,
 * endpoints, operations), CONTRIBUTING.md (how to extend it, which files microforge owns) and
 * the decision records in docs/adr/, one per choice. The cache's record is rendered only with
 * a cache (it moves to the cache component once that exists, as messaging's 0001 lives there).
 */
export const component: Component = {
  id: 'docs',
  includedIn: () => true,
  templateDirs: (spec) => ['docs', ...(spec.cache !== 'none' ? ['docs-cache'] : [])],
  // Decision records are the team's once written: upgrades refresh them only while unedited.
  userOwnedPaths: () => ['docs/adr/'],
};
