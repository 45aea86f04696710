/**
 * What the generated docs say about the repo itself, computed from the same data the code and
 * the file ownership come from: the configuration table (service-settings.ts), the quick-start
 * commands (also the CLI's "Next:" list) and the paths that belong to the user.
 */
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
  /** Path prefixes `add` and `upgrade` treat as the user's (created once, never overwritten once changed). */
  userOwnedPaths: string[];
}

/**
 * `.env.development`: where `npm run dev` and `npm test` find the services they cannot embed, at
 * the addresses compose.yaml publishes them (and any local install uses). PostgreSQL is not
 * among them: without DATABASE_URL the service runs on the embedded one (ADR 0006); the
 * commented line says how to use compose's server instead.
 */
function dependencyUrls(context: SettingsContext): string[] {
  const urls: string[] = [];
  if (context.storagePostgres) {
    urls.push(
      "# Unset: the embedded PostgreSQL. For compose's server: docker compose up -d postgres, then uncomment:",
      `# DATABASE_URL=postgres://${context.nameSnake}:${context.nameSnake}-local@127.0.0.1:5432/${context.nameSnake}`,
    );
  }
  if (context.cacheRedis) urls.push('REDIS_URL=redis://127.0.0.1:6379');
  // RabbitMQ's own default user, which compose's broker keeps: a broker the developer already runs works as is.
  if (context.brokerRabbitmq) urls.push('AMQP_URL=amqp://guest:guest@127.0.0.1:5672');
  if (context.brokerNats) urls.push('NATS_URL=nats://127.0.0.1:4222');
  return urls;
}

/** Services `npm run dev` and `npm test` need running (PostgreSQL is embedded when DATABASE_URL is unset). */
export function hostDependencies(context: Pick<SettingsContext, 'cacheRedis' | 'brokerRabbitmq' | 'brokerNats'>): string[] {
  return [...(context.cacheRedis ? ['redis'] : []), ...(context.brokerRabbitmq ? ['rabbitmq'] : []), ...(context.brokerNats ? ['nats'] : [])];
}

/** The command that starts what `npm run dev` and `npm test` need, from compose.yaml. */
export function composeUpCommand(context: Pick<SettingsContext, 'cacheRedis' | 'brokerRabbitmq' | 'brokerNats'>): string {
  return `docker compose up -d ${hostDependencies(context).join(' ')}`;
}

/** Sorted, without duplicates and without paths inside a listed folder (`src/items/commands.ts` under `src/items/`). */
function outermost(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort();
  return unique.filter((prefix) => !unique.some((other) => other !== prefix && other.endsWith('/') && prefix.startsWith(other)));
}

export function documentationFor(context: SettingsContext): DocumentationContext {
  const spec = { name: context.name, resource: context.resource, messaging: context.messaging, broker: context.broker, cache: context.cache, storage: context.storage };
  const components = COMPONENTS.filter((component) => component.includedIn(spec));
  // userOwnedPaths only reads names and flags, never the documentation fields being computed here.
  const ownerContext = context as Parameters<NonNullable<(typeof COMPONENTS)[number]['userOwnedPaths']>>[0];
  return {
    settingsTable: settingsTableRows(serviceSettingsFor(context)).join('\n'),
    // PostgreSQL runs embedded (src/db/embedded.ts). Whatever else is needed, compose starts it
    // and .env.development (read by the npm scripts) points the service and its tests at it:
    // still two commands. The CLI's next steps print the compose part as a hint, not as a step.
    quickStartCommands:
      hostDependencies(context).length === 0
        ? ['npm install', context.storagePostgres ? 'npm run dev' : 'npm test']
        : [`npm install && ${composeUpCommand(context)}`, 'npm test'],
    localEnvironment: dependencyUrls(context),
    localEnvironmentFile: context.messagingAny || context.cacheRedis,
    userOwnedPaths: outermost(components.flatMap((component) => component.userOwnedPaths?.(ownerContext) ?? [])),
  };
}
