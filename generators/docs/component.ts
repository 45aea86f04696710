import type { Component } from '../lib/component.js';

/**
 * The generated repo's own documentation: README (quick start, architecture, configuration,
 * endpoints, operations), CONTRIBUTING.md (how to extend it, which files microforge owns) and
 * the decision records in docs/adr/, one per choice. Records of optional components live with
 * them (messaging's 0001, the cache's 0004).
 */
export const component: Component = {
  id: 'docs',
  includedIn: () => true,
  templateDirs: () => ['docs'],
  // Decision records are the team's once written: upgrades refresh them only while unedited.
  userOwnedPaths: () => ['docs/adr/'],
};
