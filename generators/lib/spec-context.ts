import pluralize from 'pluralize';
import { indefiniteArticle } from './article.js';
import { cliCommands, type CliCommands } from './cli-dependency.js';
import { packageManagerCommands, type PackageManagerCommands } from './package-manager.js';
import { GENERATED_SERVICE_RUNTIME } from './service-runtime.js';
import type { ServiceSpec } from './spec.js';
import { resourcesAsyncApi, type ResourcesAsyncApi } from './resource-messages.js';
import { resourceModulesFor, type ResourceModuleFile } from './resource-spec.js';

/**
 * The names derived from the spec alone: the spec, every derived name and a boolean per choice
 * value, so templates never compare strings or re-derive a name. What the components contribute
 * (settings, backing services, ...) is merged on top of it by template-context.ts.
 */
export interface SpecContext extends Readonly<ServiceSpec>, Readonly<ResourceNames> {
  nameSnake: string;
  namePascal: string;
  storagePostgres: boolean;
  storageNone: boolean;
  messagingAny: boolean;
  messagingAtLeastOnce: boolean;
  messagingAtMostOnce: boolean;
  brokerRabbitmq: boolean;
  brokerNats: boolean;
  cacheAny: boolean;
  cacheMemory: boolean;
  cacheRedis: boolean;
  /** Whether the service has backing services of its own (a database, a broker) to run beside it locally. */
  backingServicesAny: boolean;
  /** Whether CI needs service containers (PostgreSQL, RabbitMQ; NATS runs as a step, it needs -js). */
  ciServiceContainersAny: boolean;
  /** Messaging with postgres storage: events go out through the transactional outbox. */
  messagingOutbox: boolean;
  /** The setting that holds the broker's URL: AMQP_URL or NATS_URL ('' without messaging). */
  brokerUrlSetting: string;
  /** The broker's client port, for NetworkPolicy egress (0 without messaging). */
  brokerPort: number;
  /** Queue (RabbitMQ) or subject (NATS) the service consumes its commands from: `<name>.<resource>.commands`. */
  commandsQueue: string;
  /** Where commands go after too many deliveries or when they are poison: `<commandsQueue>.dead-letter`. */
  deadLetterQueue: string;
  /** Topic exchange (RabbitMQ) or subject prefix (NATS) of the events the service publishes: `<name>.events`. */
  eventsExchange: string;
  /** Type and routing key of the event the example handler publishes: `<resource>.adjusted`. */
  adjustedEventType: string;
  /** Type and routing key of the event a delete publishes through the outbox: `<resource>.deleted`. */
  deletedEventType: string;
  port: number;
  uid: number;
  /** The dev overlay's namespace, `<name>-dev` shortened so it stays a 63-character label. */
  devNamespace: string;
  /** Probe endpoints: fixed for generated services, detected for services microforge adopts. */
  startupProbePath: string;
  livenessProbePath: string;
  readinessProbePath: string;
  nodeVersion: string;
  nodeImage: string;
  postgresImage: string;
  nodeEngines: string;
  ciNodeVersions: readonly string[];
  buildTarget: string;
  generatorVersion: string;
  /** The commands of the repo's package manager (npm unless the spec names pnpm or yarn). */
  manager: PackageManagerCommands;
  /** How the repo runs microforge: its devDependency or npx (cli-dependency.ts). */
  cli: CliCommands;
  /** Resources added with `microforge add resource` (src/resources/index.ts registers them). */
  addedResources: AddedResourceEntry[];
  /** What the added resources contribute to docs/asyncapi.yaml (empty text without any). */
  addedResourcesAsyncApi: ResourcesAsyncApi;
}

/** An added resource as the repo-wide templates see it: its names and the modules it plugs in. */
export interface AddedResourceEntry extends ResourceNames {
  modules: Array<ResourceModuleFile & { exportName: string }>;
}

const words = (kebab: string): string[] => kebab.split('-');
const capitalise = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
export const pascalCase = (kebab: string): string => words(kebab).map(capitalise).join('');
export const camelCase = (kebab: string): string => {
  const pascal = pascalCase(kebab);
  return pascal.charAt(0).toLowerCase() + pascal.slice(1);
};
export const snakeCase = (kebab: string): string => words(kebab).join('_');

/** Pluralises the last word only, so `order-line` becomes `order-lines`. */
export function pluralOf(kebab: string): string {
  const parts = words(kebab);
  const last = parts.pop() ?? '';
  return [...parts, pluralize.plural(last)].join('-');
}

/** The names one resource goes by in code, paths, tables and routes. */
export interface ResourceNames {
  resource: string;
  resourcePlural: string;
  resourcePascal: string;
  /** The resource with its indefinite article: `an item`, `a widget`. */
  aResource: string;
  resourcePluralPascal: string;
  resourceCamel: string;
  resourcePluralCamel: string;
  resourceSnake: string;
  resourcePluralSnake: string;
}

export function resourceNamesFor(resource: string): ResourceNames {
  const resourcePlural = pluralOf(resource);
  return {
    resource,
    resourcePlural,
    resourcePascal: pascalCase(resource),
    aResource: `${indefiniteArticle(resource)} ${resource}`,
    resourcePluralPascal: pascalCase(resourcePlural),
    resourceCamel: camelCase(resource),
    resourcePluralCamel: camelCase(resourcePlural),
    resourceSnake: snakeCase(resource),
    resourcePluralSnake: snakeCase(resourcePlural),
  };
}

export function specContextFor(spec: ServiceSpec, generatorVersion: string): SpecContext {
  return {
    ...spec,
    nameSnake: snakeCase(spec.name),
    namePascal: pascalCase(spec.name),
    ...resourceNamesFor(spec.resource),
    addedResources: (spec.resources ?? []).map((resource): AddedResourceEntry => {
      const names = resourceNamesFor(resource.name);
      return { ...names, modules: resourceModulesFor(spec).map((module) => ({ ...module, exportName: `${names.resourceCamel}${module.exportSuffix}` })) };
    }),
    addedResourcesAsyncApi: resourcesAsyncApi((spec.resources ?? []).map((resource) => ({ spec: resource, camel: camelCase(resource.name) })), { brokerRabbitmq: spec.broker === 'rabbitmq', eventsExchange: `${spec.name}.events` }),
    storagePostgres: spec.storage === 'postgres',
    storageNone: spec.storage === 'none',
    messagingAny: spec.messaging !== 'none',
    messagingAtLeastOnce: spec.messaging === 'at-least-once',
    messagingAtMostOnce: spec.messaging === 'at-most-once',
    brokerRabbitmq: spec.broker === 'rabbitmq',
    brokerNats: spec.broker === 'nats',
    cacheAny: spec.cache !== 'none',
    cacheMemory: spec.cache === 'memory',
    cacheRedis: spec.cache === 'redis',
    backingServicesAny: spec.storage !== 'none' || spec.messaging !== 'none',
    ciServiceContainersAny: spec.storage === 'postgres' || spec.broker === 'rabbitmq',
    messagingOutbox: spec.messaging !== 'none' && spec.storage === 'postgres',
    brokerUrlSetting: spec.broker === 'rabbitmq' ? 'AMQP_URL' : spec.broker === 'nats' ? 'NATS_URL' : '',
    brokerPort: spec.broker === 'rabbitmq' ? 5672 : spec.broker === 'nats' ? 4222 : 0,
    commandsQueue: `${spec.name}.${spec.resource}.commands`,
    deadLetterQueue: `${spec.name}.${spec.resource}.commands.dead-letter`,
    eventsExchange: `${spec.name}.events`,
    adjustedEventType: `${spec.resource}.adjusted`,
    deletedEventType: `${spec.resource}.deleted`,
    devNamespace: `${spec.name.slice(0, 59).replace(/-+$/, '')}-dev`,
    ...GENERATED_SERVICE_RUNTIME,
    generatorVersion,
    manager: packageManagerCommands(spec.packageManager),
    cli: cliCommands(spec.cliDependency, generatorVersion),
  };
}
