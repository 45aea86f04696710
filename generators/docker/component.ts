import type { Component } from '../lib/component.js';

/** Production image: multi-stage Dockerfile (npm ci from the lockfile, build, production deps), non-root, exec-form CMD. */
export const component: Component = {
  id: 'docker',
  includedIn: () => true,
  templateDirs: () => ['docker'],
};
