import type { Component } from '../lib/component.js';

/** The generated repo's README: quick start, configuration, endpoints, operations, decisions. */
export const component: Component = {
  id: 'docs',
  includedIn: () => true,
  templateDirs: () => ['docs'],
};
