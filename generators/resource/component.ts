import type { Component } from '../lib/component.js';

/**
 * Resources a team adds with `microforge add resource` (generators/lib/resource-spec.ts): the
 * registry the app and the adapters read (src/resources/), and per added resource its
 * migration, store, routes, schemas, tests and, with a cache, its cached store, and with messaging
 * its queued updates (commands.ts, events.ts, queued-updates.ts). The example
 * resource keeps its own templates in storage/, cache/ and messaging/.
 */
export const component: Component = {
  id: 'resource',
  includedIn: (spec) => spec.storage === 'postgres',
  templateDirs: () => ['resources/registry'],
  resourceTemplateDirs: (spec) => [
    'resources/postgres',
    ...(spec.cache !== 'none' ? ['resources/cache'] : []),
    ...(spec.messaging !== 'none' ? ['resources/messaging'] : []),
  ],
};
