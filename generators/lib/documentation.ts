/**
 * What the generated docs say about the repo itself, computed from the same data the code and
 * the file ownership come from: the configuration table (service-settings.ts), the quick-start
 * commands (also the CLI's "Next:" list) and the paths that belong to the user.
 */
import type { BackingService, DeploymentEnvVar } from './backing-service.js';
import type { Component } from './component.js';
import { COMPONENTS } from './components.js';
import { serviceSettingsFor, settingsTableRows, type SettingsContext } from './service-settings.js';

export interface DocumentationContext {
  /** The README's configuration table rows, one per setting, newline-separated. */
  settingsTable: string;
  /**
   * From a fresh clone to a running service (PostgreSQL without a broker: embedded, no server) or
   * to green tests (install, start the dependencies, point the tests at them, test).
   */
  quickStartCommands: string[];
  /** `NAME=value` lines of `.env.development`, rendered only when a broker or Redis is needed (localEnvironmentFile). */
  localEnvironment: string[];
  localEnvironmentFile: boolean;
  /** Servers the service connects to, from the components' declarations (generators/<component>/component.ts). */
  backingServices: BackingService[];
  deploymentEnv: DeploymentEnvVar[];
  /** Path prefixes `add` and `upgrade` treat as the user's (created once, never overwritten once changed). */
  userOwnedPaths: string[];
}

/** The components the context's choices include, in render order. */
function componentsIn(context: SettingsContext): Component[] {
  const spec = { name: context.name, resource: context.resource, messaging: context.messaging, broker: context.broker, cache: context.cache, storage: context.storage, ...(context.packageManager === undefined ? {} : { packageManager: context.packageManager }) };
  return COMPONENTS.filter((component) => component.includedIn(spec));
}

/** The backing services of the components the spec includes, in component order. */
export function backingServicesFor(context: SettingsContext): BackingService[] {
  return componentsIn(context).flatMap((component) => component.backingServices?.(context) ?? []);
}

/** The Deployment's extra env entries, from the components the spec includes, in component order. */
function deploymentEnvFor(context: SettingsContext): DeploymentEnvVar[] {
  return componentsIn(context).flatMap((component) => component.deploymentEnv?.(context) ?? []);
}

/** Services `npm run dev` and `npm test` need running (PostgreSQL is embedded when DATABASE_URL is unset). */
export function hostDependencies(context: SettingsContext): BackingService[] {
  return backingServicesFor(context).filter((service) => service.neededOnHost);
}

/** The command that starts what `npm run dev` and `npm test` need, from compose.yaml. */
export function composeUpCommand(context: SettingsContext): string {
  return `docker compose up -d ${hostDependencies(context).map((service) => service.composeService).join(' ')}`;
}

/** Sorted, without duplicates and without paths inside a listed folder (`src/items/commands.ts` under `src/items/`). */
function outermost(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort();
  return unique.filter((prefix) => !unique.some((other) => other !== prefix && other.endsWith('/') && prefix.startsWith(other)));
}

export function documentationFor(context: SettingsContext): DocumentationContext {
  const components = componentsIn(context);
  // userOwnedPaths only reads names and flags, never the documentation fields being computed here.
  const ownerContext = context as Parameters<NonNullable<(typeof COMPONENTS)[number]['userOwnedPaths']>>[0];
  return {
    settingsTable: settingsTableRows(serviceSettingsFor(context)).join('\n'),
    // PostgreSQL runs embedded (src/db/embedded.ts). Whatever else is needed, compose starts it
    // and .env.development (read by the npm scripts) points the service and its tests at it:
    // still two commands. The CLI's next steps print the compose part as a hint, not as a step.
    quickStartCommands:
      hostDependencies(context).length === 0
        ? [context.manager.install, context.storagePostgres ? `${context.manager.run} dev` : context.manager.test]
        : [`${context.manager.install} && ${composeUpCommand(context)}`, context.manager.test],
    // `.env.development`: where `npm run dev` and `npm test` find the services they cannot embed,
    // at the addresses compose.yaml publishes them (and any local install uses).
    localEnvironment: backingServicesFor(context).flatMap((service) => service.localEnvironment),
    backingServices: backingServicesFor(context),
    deploymentEnv: deploymentEnvFor(context),
    localEnvironmentFile: context.messagingAny || context.cacheRedis,
    userOwnedPaths: outermost(components.flatMap((component) => component.userOwnedPaths?.(ownerContext) ?? [])),
  };
}
