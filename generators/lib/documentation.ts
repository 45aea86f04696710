/**
 * What the generated docs say about the repo itself, computed from the same data the code and
 * the file ownership come from: the configuration table and config schema (the components'
 * settings, service-settings.ts), the quick-start
 * commands (also the CLI's "Next:" list) and the paths that belong to the user.
 */
import type { BackingService, DeploymentEnvVar } from './backing-service.js';
import type { Component } from './component.js';
import { configContextFor, developmentLines, settingsTableRows, type ConfigContext, type ServiceSetting, type SettingsContext } from './service-settings.js';

export interface DocumentationContext {
  /** The README's configuration table rows, one per setting, newline-separated. */
  settingsTable: string;
  /** What src/config.ts and its test render from the settings. */
  config: ConfigContext;
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

/** The backing services of `components`, in component order. */
function backingServicesFor(context: SettingsContext, components: readonly Component[]): BackingService[] {
  return components.flatMap((component) => component.backingServices?.(context) ?? []);
}

/** The settings of `components`, in component order. */
function settingsFor(context: SettingsContext, components: readonly Component[]): ServiceSetting[] {
  return components.flatMap((component) => component.settings?.(context) ?? []);
}

/** `.env.development`: each component's backing services' extra lines, then its settings' local values. */
function localEnvironmentFor(context: SettingsContext, components: readonly Component[]): string[] {
  return components.flatMap((component) => [
    ...(component.backingServices?.(context) ?? []).flatMap((service) => service.localEnvironment ?? []),
    ...developmentLines(component.settings?.(context) ?? []),
  ]);
}

/** The Deployment's extra env entries, from `components`, in component order. */
function deploymentEnvFor(context: SettingsContext, components: readonly Component[]): DeploymentEnvVar[] {
  return components.flatMap((component) => component.deploymentEnv?.(context) ?? []);
}

/** Services `npm run dev` and `npm test` need running (PostgreSQL is embedded when DATABASE_URL is unset). */
export function hostDependencies(backingServices: readonly BackingService[]): BackingService[] {
  return backingServices.filter((service) => service.neededOnHost);
}

/** The command that starts what `npm run dev` and `npm test` need, from compose.yaml. */
export function composeUpCommand(backingServices: readonly BackingService[]): string {
  return `docker compose up -d ${hostDependencies(backingServices).map((service) => service.composeService).join(' ')}`;
}

/** Sorted, without duplicates and without paths inside a listed folder (`src/items/commands.ts` under `src/items/`). */
function outermost(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort();
  return unique.filter((prefix) => !unique.some((other) => other !== prefix && other.endsWith('/') && prefix.startsWith(other)));
}

/** What the components the spec includes (`components`, in render order) contribute to the context. */
export function documentationFor(context: SettingsContext, components: readonly Component[]): DocumentationContext {
  const settings = settingsFor(context, components);
  const backingServices = backingServicesFor(context, components);
  return {
    settingsTable: settingsTableRows(settings).join('\n'),
    config: configContextFor(settings),
    // PostgreSQL runs embedded (src/db/embedded.ts). Whatever else is needed, compose starts it
    // and .env.development (read by the npm scripts) points the service and its tests at it:
    // still two commands. The CLI's next steps print the compose part as a hint, not as a step.
    quickStartCommands:
      hostDependencies(backingServices).length === 0
        ? [context.manager.install, context.storagePostgres ? `${context.manager.run} dev` : context.manager.test]
        : [`${context.manager.install} && ${composeUpCommand(backingServices)}`, context.manager.test],
    // `.env.development`: where `npm run dev` and `npm test` find the services they cannot embed,
    // at the addresses compose.yaml publishes them (and any local install uses).
    localEnvironment: localEnvironmentFor(context, components),
    backingServices,
    deploymentEnv: deploymentEnvFor(context, components),
    localEnvironmentFile: context.messagingAny || context.cacheRedis,
    userOwnedPaths: outermost(components.flatMap((component) => component.userOwnedPaths?.(context) ?? [])),
  };
}
