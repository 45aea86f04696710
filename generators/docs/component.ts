import type { Component } from '../lib/component.js';

/**
 * The generated repo's own documentation: README (quick start, architecture, configuration,
 * endpoints, operations), CONTRIBUTING.md (how to extend it, which files microforge owns) and
 * the index of the decision records in docs/adr/. Records live with the component whose choice
 * they record (storage's 0002 and 0003 in each storage variant, messaging's 0001, the cache's
 * 0004), and each component's part of the shared documents is a section in its own folder
 * (lib/sections.ts).
 */
export const component: Component = {
  id: 'docs',
  includedIn: () => true,
  templateDirs: () => ['docs'],
  // Decision records are the team's once written: upgrades refresh them only while unedited.
  userOwnedPaths: () => ['docs/adr/'],
};
