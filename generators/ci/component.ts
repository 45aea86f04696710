import type { Component } from '../lib/component.js';
import { GENERATOR_PACKAGE_NAME } from '../lib/package-root.js';

/**
 * The generated repo's GitHub Actions workflows: typecheck, build, test, image build and smoke
 * run, manifest render and audit (ci.yml); a weekly pull request when a newer microforge release
 * is published (microforge-upgrade.yml). `npm run audit` / `npm run upgrade` run the microforge
 * release the repo records through npx: one package fetched on demand, never installed with the
 * service's dependencies (and an upgrade rewrites the version here like any generated line).
 */
export const component: Component = {
  id: 'ci',
  includedIn: () => true,
  templateDirs: () => ['ci'],
  packageJson: (context) => ({
    scripts: {
      audit: `npx --yes -p ${GENERATOR_PACKAGE_NAME}@${context.generatorVersion} microforge audit`,
      upgrade: `npx --yes -p ${GENERATOR_PACKAGE_NAME}@${context.generatorVersion} microforge upgrade`,
    },
  }),
};
