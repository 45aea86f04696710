import type { Component } from '../lib/component.js';

/**
 * The generated repo's GitHub Actions workflows: typecheck, build, test, image build and smoke
 * run, manifest render and audit (ci.yml); a weekly pull request when a newer microforge release
 * is published (microforge-upgrade.yml). `npm run audit` / `npm run upgrade` run the microforge
 * release the repo records: its devDependency when that release is published, else through npx
 * (cli-dependency.ts). An upgrade rewrites the version in both like any generated line.
 */
export const component: Component = {
  id: 'ci',
  includedIn: () => true,
  templateDirs: () => ['ci'],
  packageJson: ({ cli }) => ({
    devDependencies: cli.devDependencies,
    scripts: {
      audit: `${cli.microforge} audit`,
      upgrade: `${cli.microforge} upgrade`,
    },
  }),
};
