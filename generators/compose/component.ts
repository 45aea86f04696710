import type { Component } from '../lib/component.js';

/**
 * compose.yaml: the service built from its Dockerfile, hardened like the Deployment, plus its real
 * dependencies; and, when a broker or Redis must run for `npm run dev` and `npm test` (PostgreSQL
 * alone runs embedded), `.env.development` pointing the npm scripts at them.
 */
export const component: Component = {
  id: 'compose',
  includedIn: () => true,
  // The same condition as the docs' localEnvironmentFile (generators/lib/documentation.ts).
  templateDirs: (spec) => ['compose', ...(spec.messaging !== 'none' || spec.cache === 'redis' ? ['compose-env'] : [])],
};
