import type { Component } from '../lib/component.js';

/** compose.yaml: the service built from its Dockerfile, hardened like the Deployment, plus its real dependencies. */
export const component: Component = {
  id: 'compose',
  includedIn: () => true,
  templateDirs: () => ['compose'],
};
