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

/** Local credentials of compose.yaml's services, as the service on the host reaches them. */
function dependencyUrls(context: SettingsContext): string[] {
  const urls: string[] = [];
  if (context.storagePostgres) urls.push(`DATABASE_URL=postgres://${context.nameSnake}:${context.nameSnake}-local@127.0.0.1:5432/${context.nameSnake}`);
  if (context.cacheRedis) urls.push('REDIS_URL=redis://127.0.0.1:6379');
  if (context.brokerRabbitmq) urls.push(`AMQP_URL=amqp://${context.nameSnake}:${context.nameSnake}-local@127.0.0.1:5672`);
  if (context.brokerNats) urls.push('NATS_URL=nats://127.0.0.1:4222');
  return urls;
}

/** compose.yaml services the tests need, besides the service itself. */
export function composeDependencies(context: SettingsContext): string[] {
  return [...(context.storagePostgres ? ['postgres'] : []), ...(context.cacheRedis ? ['redis'] : []), ...(context.brokerRabbitmq ? ['rabbitmq'] : []), ...(context.brokerNats ? ['nats'] : [])];
}

/** Sorted, without duplicates and without paths inside a listed folder (`src/items/commands.ts` under `src/items/`). */
function outermost(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort();
  return unique.filter((prefix) => !unique.some((other) => other !== prefix && other.endsWith('/') && prefix.startsWith(other)));
}

export function documentationFor(context: SettingsContext): DocumentationContext {
  const dependencies = composeDependencies(context);
  const spec = { name: context.name, resource: context.resource, messaging: context.messaging, broker: context.broker, cache: context.cache, storage: context.storage };
  const components = COMPONENTS.filter((component) => component.includedIn(spec));
  // userOwnedPaths only reads names and flags, never the documentation fields being computed here.
  const ownerContext = context as Parameters<NonNullable<(typeof COMPONENTS)[number]['userOwnedPaths']>>[0];
  return {
    settingsTable: settingsTableRows(serviceSettingsFor(context)).join('\n'),
    // When PostgreSQL is the only dependency, nothing needs a server: it runs embedded (src/db/embedded.ts).
    // Otherwise compose starts the dependencies and .env.development (read by the npm scripts)
    // points the service and its tests at them: still two commands.
    quickStartCommands:
      dependencies.length === 0
        ? ['npm install', 'npm test']
        : context.storagePostgres && dependencies.every((name) => name === 'postgres')
          ? ['npm install', 'npm run dev']
          : [`npm install && docker compose up -d ${dependencies.join(' ')}`, 'npm test'],
    localEnvironment: dependencyUrls(context),
    localEnvironmentFile: context.messagingAny || context.cacheRedis,
    userOwnedPaths: outermost(components.flatMap((component) => component.userOwnedPaths?.(ownerContext) ?? [])),
  };
}
