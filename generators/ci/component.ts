import type { Component } from '../lib/component.js';

/** The generated repo's GitHub Actions workflow: typecheck, build, test, image build and smoke run, manifest render. */
export const component: Component = {
  id: 'ci',
  includedIn: () => true,
  templateDirs: () => ['ci'],
};
